/**
 * Key paths inside the configuration. Internally every location is a JSON pointer (what the
 * schema validator speaks); operators read them as `services.faas.pipelines[0]`.
 */

/** Splits a JSON pointer into its unescaped segments ("" is the whole document). */
export function splitPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Builds a JSON pointer from `base` and further segments. */
export function joinPointer(base: string, ...segments: (string | number)[]): string {
  return base + segments.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** The pointer of the value that holds `pointer`. */
export function parentPointer(pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Prints a pointer as operators write the path: `services.faas.pipelines[0]`. `isList(pointer)`
 * says whether the value at a pointer is a list, so that a numeric key of a mapping stays a key.
 * Keys that would be ambiguous with the dots (e.g. `my.svc`) are printed `["my.svc"]`.
 */
export function formatPath(pointer: string, isList: (pointer: string) => boolean): string {
  let printed = '';
  let current = '';
  for (const segment of splitPointer(pointer)) {
    if (/^\d+$/.test(segment) && isList(current)) printed += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) printed += printed === '' ? segment : `.${segment}`;
    else printed += `[${JSON.stringify(segment)}]`;
    current = joinPointer(current, segment);
  }
  return printed;
}

/** The value at `pointer` inside plain data, or undefined. */
export function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const segment of splitPointer(pointer)) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (typeof current === 'object' && current !== null) current = (current as Record<string, unknown>)[segment];
    else return undefined;
  }
  return current;
}

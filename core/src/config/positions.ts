import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';
import { joinPointer, parentPointer } from './paths.js';
import type { Problem } from './problems.js';

interface Entry {
  /** The value node; null for an explicit key without a value. */
  node: Node | null;
  /** The key node, for values of a mapping. */
  key: Node | null;
}

export interface SourcePosition {
  /** 1-based. */
  line: number;
  column: number;
}

/**
 * Remembers where every value of a parsed YAML document sits, by JSON pointer, so that any
 * problem found later (in the plain data) can be shown at its line and column.
 */
export class SourceMap {
  private readonly entries = new Map<string, Entry>();
  private readonly lists = new Set<string>();
  private readonly order = new Map<string, string[]>();
  private readonly duplicates = new Map<number, string>();

  constructor(
    document: Document,
    private readonly lineCounter: LineCounter,
  ) {
    this.walk('', document.contents as Node | null, null);
  }

  private walk(pointer: string, node: Node | null, key: Node | null): void {
    this.entries.set(pointer, { node, key });
    if (isMap(node)) {
      const keys: string[] = [];
      for (const pair of node.items) {
        const name = keyName(pair.key);
        // Complex keys and `<<` merge keys have no pointer of their own: what they bring in is
        // located at the mapping that holds them.
        if (name === null) continue;
        const child = joinPointer(pointer, name);
        if (this.entries.has(child)) {
          const at = (pair.key as Node).range?.[0];
          if (at !== undefined) this.duplicates.set(at, child);
          continue;
        }
        keys.push(name);
        this.walk(child, (pair.value as Node | null) ?? null, pair.key as Node);
      }
      this.order.set(pointer, keys);
    } else if (isSeq(node)) {
      this.lists.add(pointer);
      node.items.forEach((item, index) => this.walk(joinPointer(pointer, index), (item as Node | null) ?? null, null));
    }
  }

  /** Every string scalar of the document (keys excepted) with its pointer, in file order. */
  *stringScalars(): Iterable<{ pointer: string; node: Scalar<string> }> {
    for (const [pointer, entry] of this.entries) {
      if (isScalar(entry.node) && typeof entry.node.value === 'string') yield { pointer, node: entry.node as Scalar<string> };
    }
  }

  /** True when the value at `pointer` is written as a list. */
  isList(pointer: string): boolean {
    return this.lists.has(pointer);
  }

  /** The keys of the mapping at `pointer` in file order, or undefined if it is not one in the source. */
  keysOf(pointer: string): readonly string[] | undefined {
    return this.order.get(pointer);
  }

  /** Line and column of a source offset. */
  positionOf(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where to show a problem. A pointer that is not in the source (a value that came from an
   * alias, a default, or is missing) falls back to the nearest enclosing value that is.
   */
  locate(problem: Problem): SourcePosition {
    if (problem.offset !== undefined) return this.positionOf(problem.offset);
    const anchor = problem.at ?? 'value';
    let pointer = anchor === 'parent' ? parentPointer(problem.pointer) : problem.pointer;
    let exact = true;
    while (!this.entries.has(pointer) && pointer !== '') {
      pointer = parentPointer(pointer);
      exact = false;
    }
    const entry = this.entries.get(pointer);
    if (!entry) return { line: 1, column: 1 };
    const node = anchor === 'key' && exact && entry.key ? entry.key : (entry.node ?? entry.key);
    // An empty value (`key:` and nothing) has no text of its own; its key is the place to look.
    const empty = isScalar(node) && node.range && node.range[0] === node.range[1];
    const shown = empty && entry.key ? entry.key : node;
    if (!shown?.range) return { line: 1, column: 1 };
    return this.positionOf(shown.range[0]);
  }

  /** The pointer of a key written a second time in its mapping, by the offset of that second key. */
  duplicateKeyAt(offset: number): string | undefined {
    return this.duplicates.get(offset);
  }

  /** The pointer of the innermost entry (its key, tag and value) that contains a source offset. */
  pointerAt(offset: number): string {
    let best = '';
    let bestSize = Infinity;
    for (const [pointer, entry] of this.entries) {
      const start = entry.key?.range?.[0] ?? entry.node?.range?.[0];
      const end = entry.node?.range?.[1] ?? entry.key?.range?.[1];
      if (start === undefined || end === undefined || offset < start || offset >= Math.max(end, start + 1)) continue;
      if (end - start <= bestSize) {
        best = pointer;
        bestSize = end - start;
      }
    }
    return best;
  }
}

function keyName(key: unknown): string | null {
  if (!isScalar(key)) return null;
  const value = key.value;
  if (typeof value === 'symbol') return null;
  return value === null ? '' : String(value);
}

import { basename } from 'node:path';
import { DeployDbError } from '../errors.js';

/**
 * Where in the source a problem should be shown:
 * - `value`: the value at the pointer (the default);
 * - `key`: the key that names it (unknown keys, invalid names, a promotion as a whole);
 * - `parent`: the mapping that holds it (a required key that is missing has no place of its own).
 */
export type ProblemAnchor = 'value' | 'key' | 'parent';

/** A problem found while loading, before it is given a line and column. */
export interface Problem {
  /** JSON pointer into the configuration, "" for the document as a whole. */
  pointer: string;
  message: string;
  at?: ProblemAnchor;
  /** Exact source offset, when the problem is known more precisely than its node (YAML syntax, `${`). */
  offset?: number;
}

/** One problem in a configuration file, as reported to the operator. */
export interface ConfigProblem {
  /** File name (without folder), as printed. */
  file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. the file is missing). */
  line: number;
  column: number;
  /** Key path as printed, e.g. `services.faas.pipelines[0]`; "" for the file as a whole. */
  path: string;
  /** The same location as a JSON pointer. */
  pointer: string;
  message: string;
}

/** Formats one problem as `deploydb.yaml:14:5 services.faas.pipelines[0]: unknown pipeline "devtoprd"`. */
export function formatProblem(problem: ConfigProblem): string {
  // One problem per line, whatever a plugin's message holds.
  const message = problem.message.replace(/\s*\n\s*/g, ' ');
  const place = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  return problem.path === '' ? `${place}: ${message}` : `${place} ${problem.path}: ${message}`;
}

/**
 * The configuration cannot be used. `message` lists every problem, one per line; `details`
 * carry the same lines with their JSON pointers, for the API's error body.
 */
export class ConfigInvalidError extends DeployDbError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const lines = problems.map(formatProblem);
    super(
      'config_invalid',
      lines.join('\n'),
      problems.map((problem, i) => ({ path: problem.pointer, message: lines[i]! })),
    );
    this.name = 'ConfigInvalidError';
    this.problems = Object.freeze(problems.map((problem) => Object.freeze({ ...problem })));
  }

  /**
   * One problem about a file as a whole or a key of it, without a place in the text (e.g. a
   * reload that changes what only a restart may change). `path` is printed as given.
   */
  static single(file: string, path: string, message: string): ConfigInvalidError {
    const pointer = path === '' ? '' : '/' + path.replace(/\[(\d+)\]/g, '.$1').split('.').join('/');
    return new ConfigInvalidError([{ file: basename(file), line: 0, column: 0, path, pointer, message }]);
  }
}

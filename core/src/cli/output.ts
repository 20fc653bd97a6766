import Table from 'cli-table3';
import picocolors from 'picocolors';
import { colourAllowed } from '../terminal.js';

export type OutputFormat = 'table' | 'json';

type Colors = ReturnType<typeof picocolors.createColors>;

/** A table without borders, columns two spaces apart: easy to read and to grep. */
const PLAIN_TABLE = {
  chars: {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
    bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
    left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

/** How a client command writes its answer: tables for people, the API's JSON for scripts. */
export class Output {
  readonly colours: Colors;

  constructor(
    readonly format: OutputFormat,
    private readonly stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.colours = picocolors.createColors(colourAllowed(stdout, env));
  }

  get json(): boolean {
    return this.format === 'json';
  }

  /** The value as indented JSON. */
  writeJson(value: unknown): void {
    this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** Rows under a bold header; an empty table says so. */
  table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, empty = 'nothing to show'): void {
    if (rows.length === 0) {
      this.line(this.colours.dim(empty));
      return;
    }
    const table = new Table({ ...PLAIN_TABLE, head: head.map((h) => this.colours.bold(h)) });
    table.push(...rows.map((row) => [...row]));
    this.line(trimLines(table.toString()));
  }

  /** Label and value pairs, one a line. */
  fields(pairs: ReadonlyArray<readonly [string, string]>): void {
    const table = new Table(PLAIN_TABLE);
    table.push(...pairs.map(([label, value]) => [this.colours.dim(label), value]));
    this.line(trimLines(table.toString()));
  }

  /** A status, coloured by what it means: passed, failed, or on its way. */
  status(status: string | null | undefined): string {
    if (!status) return '';
    const c = this.colours;
    if (['VERIFIED', 'SUCCESS'].includes(status)) return c.green(status);
    if (status === 'COMPLETED') return c.cyan(status);
    if (status === 'FAILED') return c.red(status);
    return c.yellow(status);
  }
}

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

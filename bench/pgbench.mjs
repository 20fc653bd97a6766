import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A statement's rate in PostgreSQL alone: `pgbench` with a custom script of that one statement,
 * 20 clients, prepared mode (as the floor's named statements). `values` are the statement's
 * $1..$n: a string, number or array is passed with -D; null is written in as NULL; `{ random: [low,
 * high] }` is drawn per execution (a registration's version must be new each time). `session`:
 * PostgreSQL session settings (as `PGOPTIONS`), the floor's own (`FLOOR_SESSION`).
 * Answers transactions per second and mean latency, or why there is no figure.
 */
export async function pgbench(databaseUrl, { text, values }, { seconds, clients = 20, threads = 2, session }) {
  const lines = [];
  const defines = [];
  const script = text.replace(/\$(\d+)/g, (_, n) => {
    const value = values[Number(n) - 1];
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'object' && 'random' in value) lines.push(`\\set p${n} random(${value.random[0]}, ${value.random[1]})`);
    else defines.push('-D', `p${n}=${Array.isArray(value) ? `{${value.join(',')}}` : value}`);
    return `:p${n}`;
  });
  // pgbench replaces every `:name` outside `::` with a variable, quoted text included.
  const stray = script.replace(/::/g, ' ').match(/:(?!p\d+\b)[A-Za-z_]\w*/);
  if (stray) throw new Error(`pgbench would read ${stray[0]} in the statement as a variable`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploydb-pgbench-'));
  const file = path.join(dir, 'statement.sql');
  fs.writeFileSync(file, `${lines.join('\n')}\n${script.replace(/\s+/g, ' ').trim()};\n`);
  const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(threads), '-T', String(seconds), '-f', file, ...defines, databaseUrl];
  try {
    const output = await new Promise((resolve, reject) => {
      execFile('pgbench', args, { maxBuffer: 1 << 20, env: session ? { ...process.env, PGOPTIONS: session } : process.env }, (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve(stdout)));
    });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
    const latency = /latency average = ([\d.]+) ms/.exec(output);
    const failed = /number of failed transactions: (\d+)/.exec(output);
    return {
      transactionsPerSecond: tps ? Math.round(Number(tps[1])) : null,
      latencyMs: latency ? Number(latency[1]) : null,
      failed: failed ? Number(failed[1]) : 0,
      clients,
    };
  } catch (error) {
    if (error.code === 'ENOENT') return { transactionsPerSecond: null, error: 'pgbench is not installed' };
    // The first error names the cause; later lines say the run was aborted.
    const lines = String(error.stderr || error.message).trim().split('\n');
    return { transactionsPerSecond: null, error: lines.find((line) => line.includes('ERROR')) ?? lines.at(-1) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

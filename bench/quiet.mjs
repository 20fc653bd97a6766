import fs from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU time a process has used, in clock ticks (Linux /proc), or null where there is no /proc. */
function cpuTicks(pid) {
  try {
    // Fields after the command name (which may hold spaces), from the 3rd: utime is the 14th, stime the 15th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/**
 * Waits until a server process has been idle (under 5 % of a core) for half a second, at most
 * `timeoutMs`: DeployDB carries on after a round of writes (relaying events, the queue), and the
 * next round, the floor's included, must not pay for it. Without /proc: waits two seconds.
 */
export async function untilQuiet(pid, timeoutMs = 60_000) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const deadline = Date.now() + timeoutMs;
  let before = cpuTicks(pid);
  if (before === null) return sleep(2000);
  while (Date.now() < deadline) {
    await sleep(500);
    const now = cpuTicks(pid);
    if (now === null) return;
    if (now - before <= 0.05 * 0.5 * TICKS_PER_SECOND) return;
    before = now;
  }
}

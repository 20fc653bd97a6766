import { createSpinner } from 'nanospinner';

/** Below this a wait needs no spinner (ms). */
const QUIET_MS = 300;

/**
 * Shows a spinner on stderr while `work` runs, once it has taken a moment, and only on a
 * terminal: scripts and pipes get nothing but the answer.
 */
export async function withProgress<T>(text: string, work: Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  if (!stream.isTTY) return work;
  let spinner: ReturnType<typeof createSpinner> | null = null;
  const timer = setTimeout(() => {
    spinner = createSpinner(text, { stream }).start();
  }, QUIET_MS);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    (spinner as ReturnType<typeof createSpinner> | null)?.stop();
  }
}

/**
 * Colours go to a terminal only, and never when `NO_COLOR` is set to anything but the empty
 * string (no-color.org).
 */
export function colourAllowed(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

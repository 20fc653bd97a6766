/**
 * The least-squares line through some points: its slope, how far the points stray from it, and
 * the standard error of the slope (how much of the slope that straying alone could make).
 */
export function leastSquares(points: ReadonlyArray<{ x: number; y: number }>): { slope: number; intercept: number; residualSd: number; slopeError: number } {
  const n = points.length;
  if (n < 2) throw new Error(`a line needs at least two points, not ${n}`);
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residualSd = Math.sqrt(points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0) / Math.max(1, n - 2));
  const slopeError = sxx === 0 ? Infinity : residualSd / Math.sqrt(sxx);
  return { slope, intercept, residualSd, slopeError };
}

import { describe, expect, it } from 'vitest';
import { leastSquares } from '../chaos/slope.js';

describe('the soak run\'s memory slope (least squares)', () => {
  it('finds the slope and intercept of points on a line, with no residual', () => {
    const fit = leastSquares([0, 1, 2, 3].map((x) => ({ x, y: 5 + 2 * x })));
    expect(fit.slope).toBeCloseTo(2, 10);
    expect(fit.intercept).toBeCloseTo(5, 10);
    expect(fit.residualSd).toBeCloseTo(0, 10);
    expect(fit.slopeError).toBeCloseTo(0, 10);
  });

  it('noise of ±3 around a flat line leaves a slope well under it (-0.51), and shows as the residual', () => {
    const fit = leastSquares([0, 1, 2, 3, 4, 5].map((x) => ({ x, y: 100 + (x % 2 === 0 ? 3 : -3) })));
    expect(fit.slope).toBeCloseTo(-0.514, 2);
    expect(fit.residualSd).toBeGreaterThan(2);
    // The residual over the spread of x (Σ(x - 2.5)² = 17.5); the slope is well within twice that.
    expect(fit.slopeError).toBeCloseTo(fit.residualSd / Math.sqrt(17.5), 10);
    expect(Math.abs(fit.slope)).toBeLessThan(2 * fit.slopeError);
  });

  it('refuses fewer than two points', () => {
    expect(() => leastSquares([{ x: 1, y: 1 }])).toThrow(/two points/);
  });
});

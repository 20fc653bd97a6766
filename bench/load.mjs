import autocannon from 'autocannon';

/**
 * One autocannon run against `url`: `requests` as autocannon takes them (a path, a method, a
 * body or a `setupRequest`), `connections` kept busy for `duration` seconds, or an even
 * `overallRate` of requests per second across them.
 */
export function load(url, { duration, connections = 20, overallRate, requests }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, duration, connections, overallRate, requests }, (error, result) => (error ? reject(error) : resolve(summary(result))));
  });
}

/** The figures of one run; `answeredWell` is false when any answer was not 2xx or failed. */
function summary(result) {
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    answeredWell: result.non2xx === 0 && result.errors === 0 && result.timeouts === 0 && result.requests.total > 0,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

import http from 'node:http';

/**
 * An even, open-loop load: request `i` is due at `i / rate` seconds from the start and goes out
 * then, whether or not earlier ones were answered, over at most `connections` keep-alive
 * connections (a request due while all are busy waits for one, as a real client's pool makes it
 * wait). Latency is counted from when the request was due, so time spent waiting for a
 * connection counts too, and a slow answer cannot hide the ones it delayed.
 *
 * autocannon's `overallRate` is not this: each of its connections sends its share of a second
 * back to back at the start of the second, then idles, so the server sees bursts of
 * `connections` requests at once; and it pads its latency histogram as if requests were due
 * every millisecond.
 *
 * `request(i)` gives the i-th request: `{ method, path, headers, body }`. `accept(status)` says
 * which answers count as answered well (2xx by default); `answered(i)` is told when the i-th was.
 */
export async function openLoop(url, { rate, seconds, connections = 20, request, accept = (status) => status >= 200 && status < 300, answered = () => undefined }) {
  // First in, first out: every connection is kept in use, so none sits idle until the server's
  // keep-alive timeout closes it under a request about to be sent (ECONNRESET).
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, scheduling: 'fifo' });
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const latencies = [];
  const failureKinds = {};
  const failed = (kind) => (failureKinds[kind] = (failureKinds[kind] ?? 0) + 1);
  const sent = [];
  const started = performance.now();
  try {
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sent.push(
        send(agent, target, request(i)).then(
          (status) => {
            if (!accept(status)) return failed(`HTTP ${status}`);
            latencies.push(performance.now() - due);
            answered(i);
          },
          (error) => failed(error.code ?? error.message),
        ),
      );
    }
    await Promise.all(sent);
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1)) : null);
  const failures = Object.values(failureKinds).reduce((sum, n) => sum + n, 0);
  return {
    rate,
    requested: total,
    answeredPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
    failures,
    failureKinds,
    answeredWell: failures === 0 && latencies.length === total,
  };
}

/** Sends one request and reads its whole answer; resolves to its status. */
function send(agent, target, { method = 'GET', path, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: target.hostname, port: target.port, method, path, headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

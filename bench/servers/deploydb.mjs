// DeployDB on the PostgreSQL database given, with a service that takes the benchmark's module.
// NATS_STREAM set: events go to NATS JetStream (that stream, NATS_PREFIX on subjects);
// RECEIVER_URL set: one signed webhook to it; BENCH_CONFIG=reads: the seeded world of the read
// benchmarks (seed/model.mjs) instead.
import { startTestKernel } from '@deploydb/core/testing';
import { READS_CONFIG } from '../seed/model.mjs';

const env = process.env;
const queue = env.NATS_STREAM
  ? `queue:
  plugin: "@deploydb/queue-nats"
  config: { servers: "${env.NATS_URL ?? 'nats://127.0.0.1:4222'}", stream: "${env.NATS_STREAM}", subjectPrefix: "${env.NATS_PREFIX ?? ''}" }
`
  : '';
const webhooks = env.RECEIVER_URL ? `webhooks:\n  - { url: "${env.RECEIVER_URL}", secret: "${env.WEBHOOK_SECRET}" }\n` : '';
const registrations = `${queue}${webhooks}
environments:
  dev: {}
  prod: {}
pipelines:
  devtoprod: { environments: [dev, prod] }
services:
  bench:
    name: Benchmark
    artifacts: ["com.bench:app"]
    pipelines: [devtoprod]
`;
const config = env.BENCH_CONFIG === 'reads' ? READS_CONFIG : registrations;
const kernel = await startTestKernel({ config, database: { url: env.DATABASE_URL } });
process.stdout.write(`${JSON.stringify({ url: kernel.url })}\n`);
process.on('SIGTERM', () => kernel.stop().then(() => process.exit(0)));

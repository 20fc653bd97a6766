// DeployDB on the PostgreSQL database given, with a service that takes the benchmark's module.
// NATS_STREAM set: events go to NATS JetStream (that stream, NATS_PREFIX on subjects);
// RECEIVER_URL set: one signed webhook to it.
import { startTestKernel } from '@deploydb/core/testing';

const env = process.env;
const queue = env.NATS_STREAM
  ? `queue:
  plugin: "@deploydb/queue-nats"
  config: { servers: "${env.NATS_URL ?? 'nats://127.0.0.1:4222'}", stream: "${env.NATS_STREAM}", subjectPrefix: "${env.NATS_PREFIX ?? ''}" }
`
  : '';
const webhooks = env.RECEIVER_URL ? `webhooks:\n  - { url: "${env.RECEIVER_URL}", secret: "${env.WEBHOOK_SECRET}" }\n` : '';
const config = `${queue}${webhooks}
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
const kernel = await startTestKernel({ config, database: { url: env.DATABASE_URL } });
process.stdout.write(`${JSON.stringify({ url: kernel.url })}\n`);
process.on('SIGTERM', () => kernel.stop().then(() => process.exit(0)));

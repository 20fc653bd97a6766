// DeployDB on the PostgreSQL database given, publishing to NATS JetStream (stream and prefix given).
import { startTestKernel } from '@deploydb/core/testing';

const config = `
queue:
  plugin: "@deploydb/queue-nats"
  config:
    servers: "${process.env.NATS_URL ?? 'nats://127.0.0.1:4222'}"
    stream: "${process.env.NATS_STREAM}"
    subjectPrefix: "${process.env.NATS_PREFIX}"
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
const kernel = await startTestKernel({ config, database: { url: process.env.DATABASE_URL } });
process.stdout.write(`${JSON.stringify({ url: kernel.url })}\n`);
process.on('SIGTERM', () => kernel.stop().then(() => process.exit(0)));

// DeployDB on the PostgreSQL database given, with one webhook to the receiver given.
import { startTestKernel } from '@deploydb/core/testing';

const config = `
environments:
  dev: {}
pipelines:
  main: { environments: [dev] }
services:
  bench:
    name: Benchmark
    artifacts: ["com.bench:app"]
    pipelines: [main]
webhooks:
  - url: "${process.env.RECEIVER_URL}"
    secret: "${process.env.WEBHOOK_SECRET}"
`;
const kernel = await startTestKernel({ config, database: { url: process.env.DATABASE_URL } });
process.stdout.write(`${JSON.stringify({ url: kernel.url })}\n`);
process.on('SIGTERM', () => kernel.stop().then(() => process.exit(0)));

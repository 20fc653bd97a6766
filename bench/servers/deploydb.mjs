// DeployDB itself, on the PostgreSQL database given, with a service that takes the benchmark's module.
import { startTestKernel } from '@deploydb/core/testing';

const config = `
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

import { freshDatabase, load, startServer, summary } from './support.mjs';
for (const [name, script, env] of [['floor', './servers/floor.mjs', {}], ['embedded-queue', './servers/deploydb.mjs', {}], ['nats-queue', './servers/deploydbNats.mjs', { NATS_STREAM: 'BENCHREG' + Date.now(), NATS_PREFIX: 'benchreg.' }]]) {
  const db = await freshDatabase();
  const server = await startServer(script, { DATABASE_URL: db.url, ...env });
  await load(server.url, { duration: 2, connections: 20 });
  console.log(name, summary(await load(server.url, { duration: 5, connections: 50 })));
  await server.stop(); await db.drop();
}

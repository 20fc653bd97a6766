import { freshDatabase, load, startServer, summary } from './support.mjs';
const db = await freshDatabase();
const server = await startServer('./servers/deploydb.mjs', { DATABASE_URL: db.url });
await load(server.url, { duration: 2, connections: 10, overallRate: 200 });
for (let i = 0; i < 3; i++) console.log(summary(await load(server.url, { duration: 5, connections: 10, overallRate: 200 })));
await server.stop(); await db.drop();

import { afterAll, beforeAll, it } from 'vitest';
import { promotionApi, registerOne, startPromotionKernel, startPromotionServers, stopPromotionServers } from './support/promotionLedger.js';
let servers: any, t: any, api: any;
const log: any = { trace() {}, debug() {}, info() {}, warn: (...a: any[]) => console.log('WARN', a[0]?.err?.stack ?? JSON.stringify(a).slice(0, 800)), error: (...a: any[]) => console.log('ERROR', a[0]?.err?.stack ?? JSON.stringify(a).slice(0, 1500)), child: () => log };
beforeAll(async () => { servers = await startPromotionServers(); t = await startPromotionKernel('embedded', servers, { logger: log }); api = promotionApi(t); });
afterAll(async () => { await t?.destroy(); await stopPromotionServers(servers); });
it('x', async () => {
  const { flow, first } = await registerOne(api, 'com.acme:foas');
  console.log('dev', (await api.report(first.id, 'COMPLETED')).status);
  const integ = await api.latest(flow.id);
  console.log('integ', (await api.report(integ.id, 'COMPLETED')).status);
  const d = await api.settledDeployment(integ.id, 8000).catch((e: any) => e.message.slice(0, 500));
  console.log(JSON.stringify(d).slice(0, 600));
  const r = await api.send('ci', 'POST', '/api/artifacts', { group: 'com.acme', name: 'foas', version: 'v2', sourceUrl: 'x' });
  console.log(r.status, JSON.stringify(r.body).slice(0, 300));
}, 60000);

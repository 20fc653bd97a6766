import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestKernel, type TestKernel } from '@deploydb/core/testing';
import http from 'node:http';
import manual from '../plugins/promotion-manual/src/index.js';
import webhook from '../plugins/promotion-webhook/src/index.js';
import { chromiumAvailable, openBrowser, screenshot, type Browser } from './support/browser.js';
import { DEMO_CONFIG, caller, seedDemo, walk } from './support/dashboardSeed.js';
import { LEDGER_CONFIG, TOKENS } from './support/fixtures.js';

/*
 * Functions given to page.evaluate run in the browser. This program is typed for Node (the DOM
 * library would retype Node's own streams for every file), so the browser globals they use are
 * declared here, for this file only, and loosely.
 */
declare const document: any;
declare const window: any;
declare const location: any;
declare const sessionStorage: any;
declare const localStorage: any;
declare function getComputedStyle(element: unknown): any;
type HTMLElement = any;

const DIST = path.resolve('dashboard/dist/index.html');
/** Starting a kernel and walking a few dozen deployments takes a while on a busy machine. */
const SEED_TIMEOUT_MS = 180_000;
const plugins = { '@deploydb/promotion-manual': manual };

/** The text of a matrix cell, by service key and environment. */
async function cellText(page: Page, service: string, environment: string): Promise<string> {
  await page.locator('table.matrix').waitFor();
  return page.evaluate(
    ([service, environment]) => {
      const table = document.querySelector('table.matrix')!;
      const column = [...table.querySelectorAll('thead th')].findIndex((th) => th.textContent?.trim() === environment);
      const row = [...table.querySelectorAll('tbody tr')].find((tr) => tr.querySelector('th .key')?.textContent === service);
      return (row?.children[column] as HTMLElement | undefined)?.innerText ?? '';
    },
    [service, environment],
  );
}

/**
 * Waits until the page shows its data: nothing says "Loading" any more. (The network is never
 * idle: the live event stream stays open.)
 */
async function settled(page: Page): Promise<void> {
  await page.locator('main h1').waitFor();
  await page.waitForFunction(() => document.querySelector('main .loading') === null);
}

describe.runIf(chromiumAvailable())('the dashboard in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!fs.existsSync(DIST)) throw new Error(`the dashboard is not built (${DIST} is missing): run npm run build`);
    browser = await openBrowser();
  });
  afterAll(() => browser?.close());

  describe('without auth', () => {
    let t: TestKernel;
    let call: ReturnType<typeof caller>;
    let page: Page;
    beforeAll(async () => {
      t = await startTestKernel({ config: DEMO_CONFIG, plugins });
      call = caller(t);
      await seedDemo(call);
      page = await browser.context.newPage();
    }, SEED_TIMEOUT_MS);
    afterAll(async () => {
      await page?.close();
      await t?.destroy();
    });

    it('opens directly on the matrix, which shows what the API says', async () => {
      await page.goto(`${t.url}/`);
      await page.locator('table.matrix').waitFor();
      const services = (await call('GET', '/api/services')).items as Array<{ key: string }>;
      let checked = 0;
      for (const service of services) {
        for (const cell of await call('GET', `/api/services/${service.key}/environments`)) {
          const text = await cellText(page, service.key, cell.environment);
          if (cell.current) expect(text, `${service.key} in ${cell.environment}`).toContain(cell.current.artifact.version);
          else expect(text, `${service.key} in ${cell.environment}`).toContain('nothing yet');
          if (cell.inFlight) expect(text, `${service.key} in ${cell.environment}`).toContain(cell.inFlight.artifact.version);
          checked += 1;
        }
      }
      expect(checked).toBe(16);
      expect(await cellText(page, 'checkout', 'prod')).toMatch(/2\.4\.0[\s\S]*verified/);
      expect(await cellText(page, 'checkout', 'preprod')).toMatch(/2\.4\.1[\s\S]*verifying/);
      const link = await page.locator('table.matrix a.cell-current').first().getAttribute('href');
      expect(link).toMatch(/^#\/deployment\/\d+$/);
      await screenshot(page, 'matrix');
    });

    it('travels in time: as of a past moment, a cell shows what ran then', async () => {
      const history = (await call('GET', '/api/services/checkout/environments/prod/history')).items as Array<{ artifact: { version: string }; from: string }>;
      const older = history.find((entry) => entry.artifact.version === '2.3.7')!;
      expect(await call('GET', `/api/services/checkout/environments?at=${encodeURIComponent(older.from)}`)).toContainEqual(
        expect.objectContaining({ environment: 'prod', current: expect.objectContaining({ artifact: expect.objectContaining({ version: '2.3.7' }) }) }),
      );
      await page.goto(`${t.url}/#/?at=${encodeURIComponent(older.from)}`);
      await page.locator('main h1', { hasText: 'What ran where' }).waitFor();
      await page.waitForFunction(() => document.querySelector('table.matrix') !== null);
      await page.waitForFunction(() => {
        const table = document.querySelector('table.matrix')!;
        const column = [...table.querySelectorAll('thead th')].findIndex((th) => th.textContent?.trim() === 'prod');
        const row = [...table.querySelectorAll('tbody tr')].find((tr) => tr.querySelector('th .key')?.textContent === 'checkout');
        return (row?.children[column] as HTMLElement | undefined)?.innerText.includes('2.3.7');
      });
      await page.getByRole('link', { name: 'Back to now' }).click();
      await page.locator('main h1', { hasText: 'What runs where' }).waitFor();
      await page.waitForFunction(() => !location.hash.includes('at='));
      expect(await cellText(page, 'checkout', 'prod')).toContain('2.4.0');
    });

    it('shows a change made over the API within 2 s, without reload', async () => {
      await page.goto(`${t.url}/`);
      await page.locator('table.matrix').waitFor();
      expect(await cellText(page, 'payments', 'dev')).not.toContain('1.14.0');
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      const started = Date.now();
      await call('POST', '/api/artifacts', { group: 'com.acme', name: 'payments', version: '1.14.0', sourceUrl: 'https://ci.acme.example/payments/1.14.0' });
      await page.waitForFunction(
        () => [...document.querySelectorAll('table.matrix a.cell-inflight')].some((a) => a.textContent?.includes('1.14.0')),
        undefined,
        { timeout: 2000 },
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
      // The top bar says how changes arrive: over the event stream when the server has one.
      const probe = new AbortController();
      const stream = await fetch(`${t.url}/api/events/stream`, { signal: probe.signal });
      probe.abort();
      await page.locator('.topbar .live', { hasText: stream.status === 200 ? 'Live' : 'Polling' }).waitFor({ timeout: 5000 });
    });

    it('approves with the keyboard: Tab reaches Approve, Enter opens the dialog, and the flow moves on', async () => {
      const { flowId, deploymentId } = await walk(call, 'com.acme:notifier', '3.3.0', 'preprod', 'COMPLETED');
      await page.goto(`${t.url}/#/deployment/${deploymentId}`);
      await page.getByRole('button', { name: 'Approve' }).waitFor();
      let reached = false;
      for (let i = 0; i < 60 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === 'Approve');
      }
      expect(reached, 'Tab reaches the Approve button').toBe(true);
      const focusVisible = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(focusVisible).not.toBe('none');
      await page.keyboard.press('Enter');
      const dialog = page.locator('dialog[open]');
      await dialog.waitFor();
      expect(await page.evaluate(() => !!document.activeElement?.closest('dialog[open]'))).toBe(true);
      // Focus stays in the dialog: the page behind is inert.
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => !document.activeElement || document.activeElement === document.body || !!document.activeElement.closest('dialog[open]'))).toBe(true);
      }
      await screenshot(page, 'approve-dialog');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await page.locator('dialog[open]').waitFor({ state: 'detached' });
      // The Approve button goes once the page refreshes: focus moves to the promotion's heading, which stays.
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H3');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('qa-sign-off');
      await page.getByRole('button', { name: 'Approve' }).waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('qa-sign-off');
      const deployment = await call('GET', `/api/deployments/${deploymentId}`);
      expect(deployment.status).toBe('VERIFIED');
      expect(deployment.promotions).toEqual([expect.objectContaining({ promotion: 'qa-sign-off', status: 'SUCCESS' })]);
      const flow = await call('GET', `/api/flows/${flowId}`);
      expect(flow.deployments.at(-1)).toMatchObject({ environment: 'prod', status: 'CREATED' });
      await page.getByText('verified', { exact: true }).first().waitFor({ timeout: 2000 });
      await screenshot(page, 'deployment');
    });

    it('asks for a reason before rejecting, and posts the rejection with it', async () => {
      const { deploymentId } = await walk(call, 'com.acme:notifier', '3.3.1', 'preprod', 'COMPLETED');
      await page.goto(`${t.url}/#/deployment/${deploymentId}`);
      await page.getByRole('button', { name: 'Reject…' }).click();
      const dialog = page.locator('dialog[open]');
      await dialog.getByRole('button', { name: 'Reject' }).click();
      await dialog.getByRole('alert').waitFor();
      expect((await call('GET', `/api/deployments/${deploymentId}`)).status).toBe('COMPLETED');
      await dialog.locator('textarea').fill('smoke tests red in preprod');
      await dialog.getByRole('button', { name: 'Reject' }).click();
      await page.locator('dialog[open]').waitFor({ state: 'detached' });
      const deployment = await call('GET', `/api/deployments/${deploymentId}`);
      expect(deployment.status).toBe('FAILED');
      expect(deployment.promotions[0].status).toBe('FAILED');
      expect(deployment.promotions[0].reason).toContain('smoke tests red in preprod');
      await page.getByText('smoke tests red in preprod').first().waitFor({ timeout: 2000 });
    });

    it('has no horizontal overflow of the page at 360 px wide', async () => {
      const narrow = await browser.context.newPage();
      await narrow.setViewportSize({ width: 360, height: 740 });
      try {
        for (const route of ['', 'flows', 'diff', 'dora']) {
          await narrow.goto(`${t.url}/#/${route}`);
          await narrow.locator('main h1').waitFor();
          await settled(narrow);
          const widths = await narrow.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, viewport: window.innerWidth }));
          expect(widths.page, `#/${route}`).toBeLessThanOrEqual(widths.viewport);
          expect(widths.body, `#/${route}`).toBeLessThanOrEqual(widths.viewport);
        }
        await narrow.goto(`${t.url}/`);
        await narrow.locator('table.matrix').waitFor();
        await screenshot(narrow, 'matrix-360');
      } finally {
        await narrow.close();
      }
    });

    it('lists failed webhook deliveries, and Retry sends one again', async () => {
      const failed = async () => (await call('GET', '/api/webhooks/deliveries?status=failed')).items as Array<{ id: number; updatedAt: string }>;
      const deadline = Date.now() + 20_000;
      while ((await failed()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      const before = await failed();
      expect(before.length).toBeGreaterThan(0);
      await page.goto(`${t.url}/#/deliveries`);
      const retry = page.getByRole('button', { name: new RegExp(`^Retry delivery ${before.at(-1)!.id} `) });
      await retry.waitFor();
      await screenshot(page, 'deliveries');
      await retry.click();
      await page.getByRole('status').filter({ hasText: `Delivery ${before.at(-1)!.id} ` }).waitFor();
      // The receiver still does not answer, so the delivery may fail again at once: it was sent again all the same.
      const all = (await call('GET', '/api/webhooks/deliveries?limit=500')).items as Array<{ id: number; updatedAt: string }>;
      const after = all.find((d) => d.id === before.at(-1)!.id)!;
      expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.at(-1)!.updatedAt));
    });

    it.each([
      ['service', '#/service/checkout', 'Checkout'],
      ['artifact', null, 'checkout-api 2.4.1'],
      ['flows', '#/flows', 'Artifacts travelling their pipelines'],
      ['diff', '#/diff?a=preprod&b=prod', 'preprod compared with prod'],
      ['dora', '#/dora', 'Delivery performance'],
      ['audit', '#/audit', 'Who changed what'],
    ])('shows the %s page', async (name, hash, heading) => {
      let target = hash;
      if (target === null) {
        const artifacts = (await call('GET', '/api/artifacts?q=2.4.1')).items;
        target = `#/artifact/${artifacts[0].id}`;
      }
      await page.goto(`${t.url}/${target}`);
      await page.locator('main h1', { hasText: heading }).waitFor();
      await settled(page);
      await screenshot(page, name);
    });
  });

  describe('with a health check that keeps failing', () => {
    let t: TestKernel;
    let service: http.Server;
    beforeAll(async () => {
      // The environment's health answers 503: the promotion stays STARTED, probed again later.
      service = http.createServer((_req, res) => res.writeHead(503).end('warming up'));
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      const { port } = service.address() as { port: number };
      const config = `
plugins: [{ package: "@deploydb/promotion-webhook" }]
environments:
  staging: { url: "http://127.0.0.1:${port}" }
promotions:
  health: { type: WebhookPromotion, url: "/health", retries: 100, interval: 600 }
pipelines:
  checked: { environments: [{ name: staging, promotions: [health] }] }
services:
  billing: { name: "Billing", artifacts: ["com.acme:billing"], pipelines: [checked] }
`;
      t = await startTestKernel({ config, plugins: { '@deploydb/promotion-webhook': webhook } });
    }, SEED_TIMEOUT_MS);
    afterAll(async () => {
      await t?.destroy();
      service?.close();
    });

    it('shows when the promotion will be checked again', async () => {
      const call = caller(t);
      const artifact = await call('POST', '/api/artifacts', { group: 'com.acme', name: 'billing', version: '2.0.0', sourceUrl: 'https://ci.acme.example/billing/2.0.0' });
      const deploymentId: number = artifact.flows[0].deployments[0].id;
      await call('PATCH', `/api/deployments/${deploymentId}`, { status: 'COMPLETED' });
      // After the first failed round, the next is `interval` (600 s) away.
      const nextRound = async () => (await call('GET', `/api/deployments/${deploymentId}`)).promotions[0].nextEvaluationAt as string | null;
      await expect.poll(async () => Date.parse((await nextRound()) ?? '') - Date.now(), { timeout: 20_000 }).toBeGreaterThan(500_000);
      const nextEvaluationAt = await nextRound();
      const page = await browser.context.newPage();
      try {
        await page.goto(`${t.url}/#/deployment/${deploymentId}`);
        await settled(page);
        const card = page.locator('.promotion', { hasText: 'health' });
        await card.getByText('checked again at').waitFor();
        // The time shown is the one the API gives, as the page writes every time.
        const shown = await card.locator('p', { hasText: 'checked again at' }).locator('time').last().getAttribute('datetime');
        expect(shown).toBe(nextEvaluationAt);
        await screenshot(page, 'deployment-checked-again');
      } finally {
        await page.close();
      }
    });
  });

  describe('with auth', () => {
    let t: TestKernel;
    let deploymentId: number;
    beforeAll(async () => {
      t = await startTestKernel({ config: LEDGER_CONFIG, plugins });
      const call = caller(t, TOKENS.ops);
      const artifact = await call('POST', '/api/artifacts', { group: 'com.acme', name: 'foas', version: '1.0.0', sourceUrl: 'https://ci.acme.example/foas/1.0.0' });
      let deployment = artifact.flows[0].deployments[0];
      while (deployment.environment !== 'prod') {
        await call('PATCH', `/api/deployments/${deployment.id}`, { status: 'COMPLETED' });
        if (deployment.environment === 'preprod') {
          await caller(t, TOKENS.alice)('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'pair-review', status: 'SUCCESS' });
          await caller(t, TOKENS.bob)('POST', `/api/deployments/${deployment.id}/promotions`, { name: 'pair-review', status: 'SUCCESS' });
        }
        deployment = (await call('GET', `/api/flows/${artifact.flows[0].id}`)).deployments.at(-1);
      }
      await call('PATCH', `/api/deployments/${deployment.id}`, { status: 'COMPLETED' });
      deploymentId = deployment.id;
    }, SEED_TIMEOUT_MS);
    afterAll(() => t?.destroy());

    async function signIn(token: string): Promise<{ page: Page; urls: string[] }> {
      const page = await browser.context.newPage();
      const urls: string[] = [];
      page.on('request', (request) => urls.push(request.url()));
      await page.goto(`${t.url}/#/deployment/${deploymentId}`);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('main h1', { hasText: 'in prod' }).waitFor();
      await page.locator('.promotion').first().waitFor();
      return { page, urls };
    }

    it('asks for a token, and refuses an unknown one', async () => {
      const page = await browser.context.newPage();
      try {
        await page.goto(`${t.url}/`);
        await page.getByLabel('API token').fill('not-a-token');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('alert').filter({ hasText: 'does not know this token' }).waitFor();
        await screenshot(page, 'sign-in');
      } finally {
        await page.close();
      }
    });

    it('shows a reader no Approve button and no admin pages; keeps the token in the tab session, out of URLs', async () => {
      const { page, urls } = await signIn(TOKENS.reader);
      try {
        await page.getByText('go-live').first().waitFor();
        await page.getByText('Waiting for an approver (or an admin).').waitFor();
        expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
        expect(await page.getByRole('button', { name: /Reject/ }).count()).toBe(0);
        expect(await page.getByRole('link', { name: 'Deliveries' }).count()).toBe(0);
        expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
        expect(await page.evaluate(() => [sessionStorage.getItem('deploydb.token'), localStorage.length])).toEqual([TOKENS.reader, 0]);
        expect(urls.filter((url) => url.includes(TOKENS.reader))).toEqual([]);
        await screenshot(page, 'deployment-reader');
      } finally {
        await page.close();
      }
    });

    it('shows an approver the Approve button, and an admin the admin pages', async () => {
      const approver = await signIn(TOKENS.carol);
      try {
        await approver.page.getByRole('button', { name: 'Approve' }).waitFor();
        expect(await approver.page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
      } finally {
        await approver.page.close();
      }
      const admin = await signIn(TOKENS.ops);
      try {
        await admin.page.getByRole('link', { name: 'Deliveries' }).waitFor();
        await admin.page.getByRole('link', { name: 'Audit' }).waitFor();
        await admin.page.getByRole('button', { name: 'Approve' }).waitFor();
      } finally {
        await admin.page.close();
      }
    });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from './embedded-backend.ts';
import { Scraper, type ScrapeSpec } from './scraper.ts';
import { MetricsStore } from './store.ts';
import { exposition } from './test-util.ts';

// One fake proxy admin server: /metrics serves `body`; /slow never answers; /bad is garbage.
let server: Server;
let address = '';
let served = 0;
const inbound = { direction: 'inbound', namespace: 'demo', deployment: 'web', pod: 'web-1' };

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.end(exposition([{ labels: inbound, success: served, failure: 0, latenciesMs: [] }]));
      served += 10;
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('Scraper', () => {
  it('scrapes every target each round and marks the ones that fail, with the reason', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentAddr = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const garbage = createServer((_q, res) => res.end('response_total{oops 1\n'));
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const garbageAddr = `127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    try {
      const store = new MetricsStore({ capacity: 100, maxGroups: 100 });
      const spec = (pod: string, addr: string): ScrapeSpec => ({
        key: `demo/${pod}`,
        namespace: 'demo',
        workload: 'web',
        pod,
        address: addr,
      });
      let targets = [
        spec('web-1', address),
        spec('web-2', silentAddr),
        spec('web-3', garbageAddr),
        spec('web-4', '127.0.0.1:1'),
      ];
      let t = 1_000_000;
      const scraper = new Scraper({
        store,
        intervalMs: 5000,
        timeoutMs: 300,
        targets: () => targets,
        now: () => (t += 5000),
      });
      served = 0;
      await scraper.scrapeOnce();
      await scraper.scrapeOnce();
      await scraper.scrapeOnce();
      const st = Object.fromEntries(scraper.status().map((s) => [s.pod, s]));
      expect(st['web-1']).toMatchObject({ healthy: true, lastError: null });
      expect(st['web-2']).toMatchObject({ healthy: false, lastError: 'scrape timed out' });
      expect(st['web-3']?.lastError).toMatch(/metrics line 1/);
      expect(st['web-4']).toMatchObject({ healthy: false, lastSuccessAt: null });
      expect(st['web-4']?.lastError).toMatch(/ECONNREFUSED/);
      // web-1 served 0, 10, 20: the first is a baseline.
      const rows = await new EmbeddedBackend(store).golden({
        direction: 'inbound',
        match: [],
        by: [],
        seconds: 60,
      });
      expect(rows[0]?.metrics.requests).toBe(20);

      // A target the platform no longer lists is dropped, with its raw state.
      targets = [spec('web-1', address)];
      await scraper.scrapeOnce();
      expect(scraper.status().map((s) => s.pod)).toEqual(['web-1']);
      expect(store.targetKeys()).toEqual(['demo/web-1']);
    } finally {
      silent.closeAllConnections();
      silent.close();
      garbage.close();
    }
  });

  it('counts a pod started after scraping began from zero, even when its first scrapes failed', async () => {
    let up = false;
    const late = createServer((_q, res) => {
      if (!up) res.writeHead(503).end();
      else res.end(exposition([{ labels: inbound, success: 12, failure: 3, latenciesMs: [] }]));
    });
    await new Promise<void>((r) => late.listen(0, '127.0.0.1', r));
    const addr = `127.0.0.1:${(late.address() as AddressInfo).port}`;
    try {
      for (const [startedAtMs, expected] of [
        [1_000_000, 15], // started with the scraper: its counts are all new
        [0, undefined], // older than the scraper: its first values are a baseline
      ] as const) {
        up = false;
        const store = new MetricsStore({ capacity: 100, maxGroups: 100 });
        let t = 1_000_000;
        const scraper = new Scraper({
          store,
          intervalMs: 5000,
          timeoutMs: 300,
          now: () => (t += 5000),
          targets: () => [
            {
              key: 'demo/web-9',
              namespace: 'demo',
              workload: 'web',
              pod: 'web-9',
              address: addr,
              startedAtMs,
            },
          ],
        });
        await scraper.scrapeOnce();
        expect(scraper.status()[0]).toMatchObject({ healthy: false, lastError: 'HTTP 503 from /metrics' });
        up = true;
        await scraper.scrapeOnce();
        const rows = await new EmbeddedBackend(store).golden({
          direction: 'inbound',
          match: [],
          by: [],
          seconds: 60,
        });
        expect(rows[0]?.metrics.requests).toBe(expected);
      }
    } finally {
      late.close();
    }
  });

  it('runs on its interval until stopped', async () => {
    const store = new MetricsStore({ capacity: 100, maxGroups: 100 });
    const scraper = new Scraper({
      store,
      intervalMs: 50,
      timeoutMs: 200,
      targets: () => [{ key: 'demo/web-1', namespace: 'demo', workload: 'web', pod: 'web-1', address }],
    });
    scraper.start();
    await new Promise((r) => setTimeout(r, 400));
    await scraper.stop();
    const rounds = scraper.rounds;
    expect(rounds).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 150));
    expect(scraper.rounds).toBe(rounds);
  });
});

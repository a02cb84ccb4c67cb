// TapMerge against a real event-stream server on loopback: events past the queue bound are
// dropped and counted while nobody reads; a source that refuses is reported with its reason.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TapEvent } from '@weft/shared';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TapMerge, tapQuery } from './merge.ts';

const event = (path: string): TapEvent => ({
  proxy: 'demo/web/web-1',
  direction: 'outbound',
  at: 0,
  source: { namespace: 'demo', workload: 'web' },
  destination: { namespace: null, workload: null },
  method: 'GET',
  authority: 'api.demo',
  path,
  status: 200,
  grpcStatus: null,
  latencyMs: 1,
  requestBytes: 0,
  clientIdentity: null,
  serverIdentity: null,
  route: null,
  backend: 'api.demo:80',
  endpoint: '127.0.0.1:1',
  attempts: [],
  retries: 0,
  timeoutMs: null,
  attemptTimeoutMs: null,
  fault: null,
  proxyError: null,
  authorization: null,
  headers: [],
});

let server: Server;
let port = 0;
let lastQuery = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    lastQuery = req.url ?? '';
    if (req.url?.includes('statusClass=5xx')) {
      res.writeHead(503).end('too many taps\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let i = 0; i < 50; i++) res.write(`event: tap\ndata: ${JSON.stringify(event(`/e${i}`))}\n\n`);
    res.write('event: tap\ndata: {"not":"an event"}\n\n');
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('keeps at most maxQueued items for a slow reader, counting the rest as dropped', async () => {
  const merge = new TapMerge([{ name: 'demo/web-1', admin: `127.0.0.1:${port}` }], { pathPrefix: '/e' }, 10);
  await new Promise((r) => setTimeout(r, 500)); // nobody reads while the proxy sends 50
  const items = [];
  for await (const item of merge.items()) items.push(item);
  expect(lastQuery).toBe('/tap?pathPrefix=%2Fe');
  expect(items.length).toBe(10);
  expect(items[0]).toEqual({ kind: 'source', source: 'demo/web-1', status: 'tapping' });
  expect(items.slice(1).map((i) => (i.kind === 'event' ? i.event.path : i.kind))).toEqual(
    Array.from({ length: 9 }, (_, i) => `/e${i}`),
  );
  expect(merge.dropped).toBe(42); // 41 more events and the end-of-stream status
});

it("passes at most the filter's maxRps events a second on the merged stream", async () => {
  const merge = new TapMerge([{ name: 'demo/web-1', admin: `127.0.0.1:${port}` }], { maxRps: 5 });
  const items = [];
  for await (const item of merge.items()) items.push(item);
  expect(items.filter((i) => i.kind === 'event').length).toBe(5);
  expect(merge.dropped).toBe(45);
});

it('reports a proxy that refuses, with its answer, and ends', async () => {
  const merge = new TapMerge([{ name: 'demo/web-1', admin: `127.0.0.1:${port}` }], { statusClass: '5xx' });
  const items = [];
  for await (const item of merge.items()) items.push(item);
  expect(items).toEqual([{ kind: 'source', source: 'demo/web-1', status: 'refused (503): too many taps' }]);
});

it('turns a filter into the proxy query', () => {
  expect(tapQuery({ namespace: 'demo', maxRps: 5 })).toBe('namespace=demo&maxRps=5');
});

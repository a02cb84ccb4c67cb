/**
 * tap.watch over real HTTP: a controller API (real auth, a viewer session) taps real
 * proxy processes on loopback through their admin ports and merges their server-sent
 * events into one tRPC subscription. The proxies of the selected namespace are tapped,
 * another namespace's proxy is not; a proxy that restarts streams again into the same
 * subscription; callers without a credential are refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Pod, SseParser, TapEvent } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../src/api/server.ts';
import type { ApiServices } from '../src/api/trpc.ts';
import { AuthService } from '../src/auth/service.ts';
import type { Platform } from '../src/core/platform.ts';
import { Destination } from '../src/destination/destination.ts';
import { freePort, type RunningProxy, startProxy } from './metrics-helpers.ts';

interface Meshed {
  pod: Pod;
  proxy: RunningProxy;
  outPort: number;
}

let dir: string;
let app: Server;
let appPort = 0;
let api: ApiServer;
let viewer = '';
const meshed: Meshed[] = [];

function pod(namespace: string, name: string, workload: string, admin: string): Pod {
  return {
    namespace,
    name,
    workload,
    ip: '127.0.0.1',
    phase: 'Running',
    ready: true,
    meshed: true,
    restarts: 0,
    lastExit: null,
    proxyAdmin: admin,
    startedAt: new Date().toISOString(),
  };
}

async function meshedPod(namespace: string, name: string, workload: string, again?: Meshed): Promise<Meshed> {
  const outPort = again?.outPort ?? (await freePort());
  const fixedAdmin: Record<string, string> =
    again === undefined ? {} : { WEFT_PROXY_ADMIN_LISTEN: again.pod.proxyAdmin as string };
  const proxy = await startProxy(
    {
      inbound: { ports: [] },
      destinations: { 'api.demo:80': { endpoints: [{ address: '127.0.0.1', port: appPort }] } },
    },
    {
      WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${outPort}`,
      WEFT_PROXY_NAMESPACE: namespace,
      WEFT_PROXY_WORKLOAD: workload,
      WEFT_PROXY_POD: name,
      ...fixedAdmin,
    },
  );
  return { pod: pod(namespace, name, workload, proxy.admin), proxy, outPort };
}

/** One request through a pod's outbound proxy to api.demo. */
function callThrough(m: Meshed, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: m.outPort, path: `http://api.demo${path}`, headers: { host: 'api.demo' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Watch {
  status: number;
  items: Record<string, unknown>[];
  events: TapEvent[];
  until(check: () => boolean, ms?: number): Promise<void>;
  close(): void;
}

/** Opens `tap.watch` as a browser or the CLI would: an SSE GET on /trpc. */
function watch(input: unknown, headers: Record<string, string>): Promise<Watch> {
  return new Promise((resolve, reject) => {
    const q = encodeURIComponent(JSON.stringify(input));
    const req = request(
      `http://${api.address}/trpc/tap.watch?input=${q}`,
      { headers: { accept: 'text/event-stream', ...headers } },
      (res) => {
        const parser = new SseParser();
        const w: Watch = {
          status: res.statusCode ?? 0,
          items: [],
          events: [],
          async until(check, ms = 10_000) {
            const deadline = Date.now() + ms;
            while (!check()) {
              if (Date.now() > deadline) throw new Error(`condition not met; got ${JSON.stringify(w.items)}`);
              await new Promise((r) => setTimeout(r, 25));
            }
          },
          close: () => req.destroy(),
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const e of parser.push(chunk)) {
            if (e.event === 'serialized-error') w.items.push({ kind: 'error', error: e.data });
            if (e.event !== 'message') continue;
            const item = JSON.parse(e.data) as Record<string, unknown>;
            w.items.push(item);
            if (item.kind === 'event') w.events.push(TapEvent.parse(item.event));
          }
        });
        res.on('error', () => {});
        resolve(w);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-tap-merge-'));
  app = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
  appPort = (app.address() as AddressInfo).port;
  meshed.push(
    ...(await Promise.all([
      meshedPod('demo', 'web-1', 'web'),
      meshedPod('demo', 'web-2', 'web'),
      meshedPod('ops', 'tool-1', 'tool'),
    ])),
  );
  const pods = meshed.map((m) => m.pod);
  const platform = {
    kind: 'local',
    listPods: (ns?: string, workload?: string) =>
      pods.filter(
        (p) =>
          (ns === undefined || p.namespace === ns) && (workload === undefined || p.workload === workload),
      ),
  } as unknown as Platform;
  const auth = new AuthService({
    stateDir: dir,
    enabled: true,
    workloads: { validate: () => Promise.reject(new Error('no workload tokens here')) },
  });
  await auth.setUser('vera', 'viewer', 'correct horse');
  const services: ApiServices = {
    platform,
    destination: new Destination(platform),
    startedAt: Date.now(),
    version: 'test',
    auth,
  };
  api = await startApiServer(services, '127.0.0.1', 0);
  const login = await fetch(`http://${api.address}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'vera', password: 'correct horse' }),
  });
  viewer = ((await login.json()) as { result: { data: { session: string } } }).result.data.session;
}, 120_000);

afterAll(async () => {
  await api?.close();
  await Promise.all(meshed.map((m) => m.proxy.stop()));
  await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('tap.watch', () => {
  it('merges the events of every proxy of the namespace, and only those', async () => {
    const w = await watch(
      { namespace: 'demo', pathPrefix: '/tapped' },
      { authorization: `Bearer ${viewer}` },
    );
    expect(w.status).toBe(200);
    await w.until(() => w.items.filter((i) => i.kind === 'source' && i.status === 'tapping').length === 2);
    const [web1, web2, tool] = meshed as [Meshed, Meshed, Meshed];
    for (let i = 0; i < 3; i++) {
      expect(await callThrough(web1, `/tapped/a${i}`)).toBe(200);
      expect(await callThrough(web2, `/tapped/b${i}`)).toBe(200);
      expect(await callThrough(tool, `/tapped/c${i}`)).toBe(200);
      expect(await callThrough(web1, '/not-this')).toBe(200);
    }
    await w.until(() => w.events.length >= 6);
    // one more request on each tapped proxy: anything else in flight would have arrived before it
    await callThrough(web1, '/tapped/last');
    await callThrough(web2, '/tapped/last');
    await w.until(() => w.events.filter((e) => e.path === '/tapped/last').length === 2);
    w.close();
    const seen = w.events.map((e) => `${e.proxy} ${e.path}`).sort();
    expect(seen).toEqual(
      [
        'demo/web/web-1 /tapped/a0',
        'demo/web/web-1 /tapped/a1',
        'demo/web/web-1 /tapped/a2',
        'demo/web/web-1 /tapped/last',
        'demo/web/web-2 /tapped/b0',
        'demo/web/web-2 /tapped/b1',
        'demo/web/web-2 /tapped/b2',
        'demo/web/web-2 /tapped/last',
      ].sort(),
    );
    for (const e of w.events) {
      expect(e.status).toBe(200);
      expect(e.endpoint).toBe(`127.0.0.1:${appPort}`);
      expect(e.source.namespace).toBe('demo');
    }
  }, 60_000);

  it('streams again from a proxy that restarts, in the same subscription', async () => {
    const w = await watch({ namespace: 'demo', pathPrefix: '/again' }, { authorization: `Bearer ${viewer}` });
    await w.until(() => w.items.filter((i) => i.kind === 'source' && i.status === 'tapping').length === 2);
    const old = meshed[1] as Meshed;
    expect(await callThrough(old, '/again/before')).toBe(200);
    await w.until(() => w.events.some((e) => e.path === '/again/before'));
    await old.proxy.stop();
    await w.until(() => w.items.some((i) => i.source === 'demo/web-2' && i.status !== 'tapping'));
    // the same pod's proxy comes back on the same admin address
    const back = await meshedPod('demo', 'web-2', 'web', old);
    meshed[1] = back;
    await w.until(
      () => w.items.filter((i) => i.source === 'demo/web-2' && i.status === 'tapping').length === 2,
      15_000,
    );
    expect(await callThrough(back, '/again/after')).toBe(200);
    await w.until(() => w.events.some((e) => e.path === '/again/after'));
    w.close();
    expect(w.events.find((e) => e.path === '/again/after')?.proxy).toBe('demo/web/web-2');
  }, 90_000);

  it('refuses callers without a credential', async () => {
    const w = await watch({ namespace: 'demo' }, {});
    // an SSE subscription answers 200 and says why it refuses in its first event
    await w.until(() => w.items.length > 0, 5000);
    w.close();
    expect(w.items[0]?.kind).toBe('error');
    expect(String(w.items[0]?.error)).toMatch(/UNAUTHORIZED/);
    expect(w.events).toEqual([]);
  });
});

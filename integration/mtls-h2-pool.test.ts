/**
 * The pooled HTTP/2 sessions that carry HTTP/1 between meshed proxies, as connections:
 * they connect within the configured `timeouts.connectMs` (as HTTP/1 does).
 */
import net from 'node:net';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MeshedProxy,
  startApp,
  startMeshedProxy,
  startTestController,
  type TestController,
  viaOutbound,
  waitReady,
} from './mtls-harness.ts';

const WEB = meshIdentity('web', 'demo');
const AUTH = 'web.demo.svc.cluster.local:8080';
const SILENT = 'silent.demo.svc.cluster.local:8080';

let ctl: TestController;
let web: MeshedProxy;
const cleanup: (() => Promise<void>)[] = [];

/** A listener that takes connections and never says a word (a TLS handshake never completes). */
async function startSilent(): Promise<{ port: number; close(): Promise<void> }> {
  const held = new Set<net.Socket>();
  const server = net.createServer((s) => {
    held.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of held) s.destroy();
        server.close(() => r());
      }),
  };
}

async function loadProxy(meshH2: 'on' | 'off', webPort: number, silentPort: number): Promise<MeshedProxy> {
  const endpoint = { meshed: true, identity: WEB, namespace: 'demo', workload: 'web', address: '127.0.0.1' };
  const p = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    env: { WEFT_PROXY_MESH_H2: meshH2 },
    config: { timeouts: { connectMs: 300 } },
    destinations: {
      [AUTH]: { endpoints: [{ ...endpoint, port: webPort }] },
      [SILENT]: { endpoints: [{ ...endpoint, port: silentPort }] },
    },
  });
  cleanup.push(() => p.stop());
  await waitReady(p);
  return p;
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  cleanup.push(ctl.close);
  const app = await startApp();
  cleanup.push(app.close);
  web = await startMeshedProxy({ controller: ctl, namespace: 'demo', workload: 'web', appPort: app.port });
  cleanup.push(() => web.stop());
  await waitReady(web);
});

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe('HTTP/1 over HTTP/2 between meshed proxies: the sessions as connections', () => {
  it('gives up connecting after timeouts.connectMs, not the 10 s default', async () => {
    const silent = await startSilent();
    cleanup.push(silent.close);
    const load = await loadProxy('on', web.inboundPort, silent.port);
    // connectMs is 300 ms: the answer comes long before the 10 s a session used to wait
    const r = await viaOutbound(load, `http://${SILENT}/x`);
    expect(r.status).toBe(504);
    expect(r.error).toBe('connect-timeout');
  }, 8_000);
});

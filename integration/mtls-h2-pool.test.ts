/**
 * The pooled HTTP/2 sessions that carry HTTP/1 between meshed proxies, as connections:
 * they connect within the configured `timeouts.connectMs` (as HTTP/1 does), and they are
 * counted in the outbound TCP metrics (`tcp_open_total{peer="dst"}` and the rest) with
 * the labels HTTP/1's pooled connections get.
 */
import net from 'node:net';
import { meshIdentity } from '@weft/shared';
import { waitFor } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MeshedProxy,
  metricLines,
  metricSum,
  startApp,
  startMeshedProxy,
  startRelay,
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

  it('counts its sessions in tcp_open_total{peer="dst"} and the rest, labelled as HTTP/1 connections are', async () => {
    const relays = [await startRelay(web.inboundPort), await startRelay(web.inboundPort)];
    for (const r of relays) cleanup.push(r.close);
    const on = await loadProxy('on', relays[0]?.port ?? 0, 9);
    const off = await loadProxy('off', relays[1]?.port ?? 0, 9);
    for (const p of [on, off]) {
      for (let i = 0; i < 3; i++)
        expect(await viaOutbound(p, `http://${AUTH}/r/${i}`)).toMatchObject({
          status: 200,
          body: `app:/r/${i}`,
        });
    }
    const dst = ['peer="dst"', 'tls="true"', `server_id="${WEB}"`];
    const opened = await metricLines(on, 'tcp_open_total', dst);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(/ 1$/);
    expect(await metricSum(on, 'tcp_open_connections', dst)).toBe(1);
    // the same series as with the upgrade off
    expect(opened).toEqual(await metricLines(off, 'tcp_open_total', dst));
    // the connection goes away: counted closed, with its bytes
    await relays[0]?.close();
    await waitFor(
      'the session counted closed',
      async () => (await metricSum(on, 'tcp_close_total', dst)) === 1,
    );
    expect(await metricSum(on, 'tcp_open_connections', dst)).toBe(0);
    expect(await metricSum(on, 'tcp_read_bytes_total', dst)).toBeGreaterThan(0);
    expect(await metricSum(on, 'tcp_write_bytes_total', dst)).toBeGreaterThan(0);
  }, 30_000);
});

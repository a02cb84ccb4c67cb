/**
 * Certificates come and go while traffic flows: with a 4-second lifetime both proxies
 * renew several times under a steady stream without one failed request (new connections
 * made after a renewal use the new certificate); after a renewal, HTTP/1 carried over
 * HTTP/2 between the proxies leaves the session made with the old certificate (a request
 * in flight on it finishes) for one made with the new; and a controller restart keeps the
 * trust anchor, while the proxies keep serving during the outage.
 */
import http from 'node:http';
import { meshIdentity } from '@weft/shared';
import { waitFor } from '@weft/shared/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answerPath,
  type MeshedProxy,
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
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup.length = 0;
});

async function mesh(ctl: TestController, env: Record<string, string> = {}, handler?: http.RequestListener) {
  const app = await startApp(handler);
  cleanup.push(app.close);
  const web = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'web',
    appPort: app.port,
  });
  cleanup.push(() => web.stop());
  const relay = await startRelay(web.inboundPort);
  cleanup.push(relay.close);
  const load = await loadProxy(ctl, relay.port, env);
  await waitReady(web);
  return { web, load, relay };
}

async function loadProxy(
  ctl: TestController,
  port: number,
  env: Record<string, string> = {},
): Promise<MeshedProxy> {
  const p = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    env,
    destinations: {
      [AUTH]: {
        endpoints: [
          { address: '127.0.0.1', port, meshed: true, identity: WEB, namespace: 'demo', workload: 'web' },
        ],
      },
    },
  });
  cleanup.push(() => p.stop());
  await waitReady(p);
  return p;
}

/**
 * Sends requests back to back and, every `burstEveryMs`, a burst one wider than the last
 * until `stop()`; resolves with the outcomes.
 */
function stream(load: MeshedProxy, burstEveryMs = 700) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let running = true;
  const failures: string[] = [];
  let ok = 0;
  const one = async (i: number) => {
    try {
      const r = await viaOutbound(load, `http://${AUTH}/r/${i}`, agent);
      if (r.status === 200 && r.body === `app:/r/${i}`) ok++;
      else failures.push(`${r.status} ${r.error ?? ''} ${r.body.slice(0, 80)}`);
    } catch (err) {
      failures.push(String(err));
    }
  };
  const done = (async () => {
    let i = 0;
    let lastBurst = Date.now();
    let width = 2;
    while (running) {
      if (Date.now() - lastBurst >= burstEveryMs) {
        lastBurst = Date.now();
        width++;
        const burst: Promise<void>[] = [];
        for (let k = 0; k < width; k++) burst.push(one(i++));
        await Promise.all(burst);
      } else {
        await one(i++);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    agent.destroy();
    return { ok, failures };
  })();
  return {
    stop: () => {
      running = false;
      return done;
    },
  };
}

describe('certificate rotation and controller restarts under traffic', () => {
  it('renews every certificate at ~70% of a 4 s lifetime without a single failed request', async () => {
    const ctl = await startTestController(4_000);
    cleanup.push(ctl.close);
    const { web, load, relay } = await mesh(ctl);
    const firstWeb = web.identity.manager?.current?.serial;
    const firstLoad = load.identity.manager?.current?.serial;
    const renewedAt: number[] = [];
    load.identity.manager?.onUpdate(() => renewedAt.push(Date.now()));
    const s = stream(load);
    await new Promise((r) => setTimeout(r, 9_000));
    const { ok, failures } = await s.stop();

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    // Initial certificate plus at least two renewals each, and the serials moved on.
    expect(await metricSum(load, 'identity_cert_refresh_total', ['result="ok"'])).toBeGreaterThanOrEqual(3);
    expect(await metricSum(web, 'identity_cert_refresh_total', ['result="ok"'])).toBeGreaterThanOrEqual(3);
    expect(await metricSum(load, 'identity_cert_refresh_total', ['result="failure"'])).toBe(0);
    expect(web.identity.manager?.current?.serial).not.toBe(firstWeb);
    expect(load.identity.manager?.current?.serial).not.toBe(firstLoad);
    // Connections opened after the first renewal handshook with the new certificates.
    const firstRenewal = renewedAt[0] ?? Number.POSITIVE_INFINITY;
    expect(relay.openedAt().some((t) => t > firstRenewal)).toBe(true);
    expect(relay.up()[0]).toBe(0x16);
    expect(
      await metricSum(load, 'response_total', [
        'tls="true"',
        `server_id="${WEB}"`,
        'classification="success"',
      ]),
    ).toBe(ok);
  }, 30_000);

  it.each([
    ['HTTP/1 over HTTP/2', 'on'],
    ['HTTP/1 pooling', 'off'],
  ])(
    '%s: after a renewal a request goes on a connection made with the new certificate; one in flight on the old finishes',
    async (_, meshH2) => {
      // 20 s: the controller hands a renewal within the first 2 s the same certificate again;
      // the proxies' own renewals come after 12 s
      const ctl = await startTestController(20_000);
      cleanup.push(ctl.close);
      let slowArrived = () => {};
      const arrived = new Promise<void>((r) => {
        slowArrived = r;
      });
      let answerSlow = () => {};
      const { load, relay } = await mesh(ctl, { WEFT_PROXY_MESH_H2: meshH2 }, (req, res) => {
        if (req.url !== '/slow') return answerPath(req, res);
        answerSlow = () => answerPath(req, res);
        slowArrived();
      });
      const manager = load.identity.manager;
      if (manager === undefined) throw new Error('identity is off');
      const firstSerial = manager.current?.serial;
      expect(await viaOutbound(load, `http://${AUTH}/before`)).toMatchObject({
        status: 200,
        body: 'app:/before',
      });
      expect(relay.openedAt()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 2_200));
      const slow = viaOutbound(load, `http://${AUTH}/slow`);
      await arrived;
      const renewed = new Promise<number>((r) => {
        const off = manager.onUpdate(() => {
          off();
          r(Date.now());
        });
      });
      manager.renewSoon(0);
      const renewedAt = await renewed;
      expect(manager.current?.serial).not.toBe(firstSerial);

      // The next request opens a connection, which the connector makes with the certificate
      // held when it connects: the new one.
      expect(await viaOutbound(load, `http://${AUTH}/after`)).toMatchObject({
        status: 200,
        body: 'app:/after',
      });
      const opened = relay.openedAt();
      expect(opened).toHaveLength(2);
      expect(opened[1]).toBeGreaterThanOrEqual(renewedAt);
      // The request in flight during the renewal finished on the old connection, which is
      // then closed (once idle; over HTTP/1 when the pool would have reused it) ...
      expect(relay.closedAt()).toHaveLength(0);
      answerSlow();
      expect(await slow).toMatchObject({ status: 200, body: 'app:/slow' });
      // ... and later requests ride the new one.
      expect(await viaOutbound(load, `http://${AUTH}/later`)).toMatchObject({
        status: 200,
        body: 'app:/later',
      });
      await waitFor('the old connection closed', () => relay.closedAt().length === 1, 5_000, 20);
      expect(relay.openedAt()).toHaveLength(2);
      expect(
        await metricSum(load, 'response_total', [
          'tls="true"',
          `server_id="${WEB}"`,
          'classification="success"',
        ]),
      ).toBe(4);
    },
    30_000,
  );

  it('keeps the trust anchor across a controller restart; proxies keep serving while it is down', async () => {
    const ctl = await startTestController(3600_000);
    cleanup.push(ctl.close);
    const { web } = await mesh(ctl);
    const anchor = ctl.identity.service.status().trustAnchor.serialNumber;
    const load = (await (async () => {
      const relay = await startRelay(web.inboundPort);
      cleanup.push(relay.close);
      return loadProxy(ctl, relay.port);
    })()) as MeshedProxy;
    const s = stream(load);
    await ctl.stop();
    await new Promise((r) => setTimeout(r, 1_500));
    await ctl.start();
    expect(ctl.identity.service.status().trustAnchor.serialNumber).toBe(anchor);
    // A proxy certified by the restarted controller talks mTLS with one certified before.
    const late = await loadProxy(ctl, web.inboundPort);
    const r = await viaOutbound(late, `http://${AUTH}/late`);
    expect(r).toMatchObject({ status: 200, body: 'app:/late' });
    expect(await metricSum(late, 'response_total', ['tls="true"', `server_id="${WEB}"`])).toBe(1);
    const { ok, failures } = await s.stop();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(20);
  }, 30_000);
});

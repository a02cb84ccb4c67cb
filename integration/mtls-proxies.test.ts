/**
 * mTLS between two real proxies: the outbound proxy of `load` calls `web` through the
 * inbound proxy of `web`, with a relay between them recording the bytes. The wire is TLS,
 * the metrics say `tls="true"` with both identities, plaintext clients are still served,
 * and peers that cannot prove the expected identity are refused with a log line and a
 * metric.
 */
import { createServer as createTlsServer } from 'node:tls';
import type * as x509 from '@peculiar/x509';
import { loadOrCreateCa, signWorkloadCertificate } from '@weft/controller/identity';
import { generateProxyKey, webCryptoPublicKey } from '@weft/proxy/identity/x509';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminGet,
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
const LOAD = meshIdentity('load', 'demo');
const AUTH = 'web.demo.svc.cluster.local:8080';

let ctl: TestController;
let app: Awaited<ReturnType<typeof startApp>>;
let web: MeshedProxy;
const cleanup: (() => Promise<void>)[] = [];

/** A `load` proxy whose only destination is `AUTH` at `port`, expected to be `identity`. */
async function loadProxy(port: number, identity = WEB): Promise<MeshedProxy> {
  const p = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: {
      [AUTH]: {
        endpoints: [
          { address: '127.0.0.1', port, meshed: true, identity, namespace: 'demo', workload: 'web' },
        ],
      },
    },
  });
  cleanup.push(() => p.stop());
  await waitReady(p);
  return p;
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = await startApp();
  web = await startMeshedProxy({ controller: ctl, namespace: 'demo', workload: 'web', appPort: app.port });
  await waitReady(web);
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  await web?.stop();
  await app?.close();
  await ctl?.close();
});

describe('mTLS between meshed proxies', () => {
  it('carries the request as TLS on the wire, and both proxies count it with tls="true" and identities', async () => {
    const relay = await startRelay(web.inboundPort);
    cleanup.push(relay.close);
    const load = await loadProxy(relay.port);
    for (let i = 0; i < 5; i++) {
      const r = await viaOutbound(load, `http://${AUTH}/hello/${i}`);
      expect(r).toMatchObject({ status: 200, body: `app:/hello/${i}` });
    }
    const up = relay.up();
    const down = relay.down();
    expect(up.length).toBeGreaterThan(0);
    expect(up[0]).toBe(0x16); // a TLS handshake record
    expect(up.includes('GET ')).toBe(false);
    expect(up.includes('/hello/')).toBe(false);
    expect(up.includes('HTTP/1.1')).toBe(false);
    expect(down.includes('HTTP/1.1')).toBe(false);
    expect(down.includes('app:/hello')).toBe(false);
    expect(relay.connections()).toBe(1); // one kept-alive TLS connection for five requests

    expect(
      await metricSum(load, 'response_total', ['direction="outbound"', 'tls="true"', `server_id="${WEB}"`]),
    ).toBe(5);
    expect(
      await metricSum(web, 'response_total', ['direction="inbound"', 'tls="true"', `client_id="${LOAD}"`]),
    ).toBe(5);
  });

  it('still serves plaintext from an unmeshed client, counted tls="false"', async () => {
    const res = await fetch(`http://127.0.0.1:${web.inboundPort}/plain`);
    expect(await res.text()).toBe('app:/plain');
    expect(
      await metricSum(web, 'response_total', ['direction="inbound"', 'tls="false"']),
    ).toBeGreaterThanOrEqual(1);
  });

  it('exports the certificate expiry and is ready only once certified', async () => {
    const [line] = await metricLines(web, 'identity_cert_expiration_timestamp_seconds');
    const expiry = Number(line?.split(' ').at(-1));
    expect(expiry).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect(expiry).toBeLessThanOrEqual(Date.now() / 1000 + 3600);

    const unready = await startMeshedProxy({
      controller: ctl,
      namespace: 'demo',
      workload: 'late',
      controllerUrl: 'http://127.0.0.1:9', // nothing listens: no certificate
    });
    cleanup.push(() => unready.stop());
    await new Promise((r) => setTimeout(r, 300));
    expect((await adminGet(unready, '/ready')).status).toBe(503);
  });

  it('refuses a peer whose certificate comes from another CA', async () => {
    const other = await startTestController(3600_000);
    cleanup.push(other.close);
    const rogue = await startMeshedProxy({
      controller: other,
      namespace: 'demo',
      workload: 'web',
      appPort: app.port,
    });
    cleanup.push(() => rogue.stop());
    await waitReady(rogue);
    const load = await loadProxy(rogue.inboundPort);
    const r = await viaOutbound(load, `http://${AUTH}/x`);
    expect(r.status).toBe(502);
    expect(load.logs.join('\n')).toMatch(
      /tls warn: refused 127\.0\.0\.1:\d+ \(expected web\.demo\.\S+\): untrusted_ca/,
    );
    expect(
      await metricSum(load, 'tls_rejected_total', ['direction="outbound"', 'reason="untrusted_ca"']),
    ).toBeGreaterThan(0);
  });

  it('refuses a peer presenting another identity than the destination expects', async () => {
    const load = await loadProxy(web.inboundPort, meshIdentity('db', 'demo'));
    const r = await viaOutbound(load, `http://${AUTH}/x`);
    expect(r.status).toBe(502);
    expect(load.logs.join('\n')).toMatch(
      new RegExp(
        `refused 127\\.0\\.0\\.1:\\d+ \\(expected db\\.demo\\.\\S+\\): identity_mismatch: peer presented identity ${WEB.replace(/\./g, '\\.')}`,
      ),
    );
    expect(
      await metricSum(load, 'tls_rejected_total', ['direction="outbound"', 'reason="identity_mismatch"']),
    ).toBeGreaterThan(0);
  });

  it('refuses a peer whose certificate has expired', async () => {
    // A server holding a certificate of the right CA and identity, expired an hour ago.
    const { ca } = await loadOrCreateCa({ stateDir: ctl.stateDir, trustDomain: 'cluster.local' });
    const key = await generateProxyKey();
    const leaf = await signWorkloadCertificate(ca, {
      publicKey: (await webCryptoPublicKey(key)) as unknown as x509.PublicKey,
      identity: WEB,
      lifetimeMs: 60_000,
      now: new Date(Date.now() - 3600_000),
    });
    const server = createTlsServer({
      key: key.privateKeyPem,
      cert: `${leaf.toString('pem')}\n${ca.issuer.toString('pem')}`,
      minVersion: 'TLSv1.3',
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const load = await loadProxy((server.address() as { port: number }).port);
    const r = await viaOutbound(load, `http://${AUTH}/x`);
    expect(r.status).toBe(502);
    expect(load.logs.join('\n')).toMatch(/: expired: certificate has expired/);
    expect(
      await metricSum(load, 'tls_rejected_total', ['direction="outbound"', 'reason="expired"']),
    ).toBeGreaterThan(0);
  });

  it("never becomes ready with a forged token, and logs the controller's reason", async () => {
    const forged = await startMeshedProxy({
      controller: ctl,
      namespace: 'demo',
      workload: 'web',
      token: 'weft1.e30.AAAA',
    });
    cleanup.push(() => forged.stop());
    await new Promise((r) => setTimeout(r, 500));
    expect((await adminGet(forged, '/ready')).status).toBe(503);
    expect(forged.logs.join('\n')).toMatch(
      /identity error: certificate request failed .*HTTP 401.*signature is invalid/,
    );
    expect(await metricSum(forged, 'identity_cert_refresh_total', ['result="failure"'])).toBeGreaterThan(0);
  });
});

/**
 * A meshed peer's ClientHello that waits to be read when protocol detection times out
 * (the proxy's event loop stalled, as on a starved CPU) is still taken for TLS: it must
 * not be relayed to the app as opaque bytes, whose plaintext answer the caller would
 * meet as "wrong version number".
 */
import net from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { meshIdentity } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MeshedProxy,
  startApp,
  startMeshedProxy,
  startTestController,
  type TestController,
  waitReady,
} from './mtls-harness.ts';

const WEB = meshIdentity('web', 'demo');
const DETECT_MS = 100;

let ctl: TestController;
let app: Awaited<ReturnType<typeof startApp>>;
let web: MeshedProxy;

/** The bytes of a mesh ClientHello (SNI = the web identity), as a caller proxy sends it. */
async function clientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      const c = tlsConnect({ host: '127.0.0.1', port, servername: WEB, minVersion: 'TLSv1.3' });
      c.on('error', () => {});
    });
    setTimeout(() => reject(new Error('no ClientHello within 5 s')), 5000).unref();
  });
}

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // the proxy's event loop is starved meanwhile
  }
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = await startApp();
  web = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'web',
    appPort: app.port,
    config: { timeouts: { detectMs: DETECT_MS } },
  });
  await waitReady(web);
}, 30_000);
afterAll(async () => {
  await web?.stop();
  await app?.close();
  await ctl?.close();
});

describe('protocol detection after a stalled event loop', () => {
  it('answers a ClientHello that arrived before the late detection timeout with TLS, not the app', async () => {
    const hello = await clientHello();
    const socket = net.connect(web.inboundPort, '127.0.0.1');
    await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
    // the proxy has accepted the connection and armed its detection timer
    await new Promise((r) => setTimeout(r, 20));
    const first = new Promise<Buffer>((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('close', () => reject(new Error('closed without an answer')));
      setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref();
    });
    // Written, then the loop stalls past the detection timeout: the next turn runs the
    // expired timer before it reads the ClientHello.
    setImmediate(() => {
      socket.write(hello);
      busyWait(DETECT_MS * 3);
    });
    const answer = await first;
    socket.destroy();
    // 0x16: a TLS handshake record (the proxy's ServerHello); the app would say "HTTP/1.1 400"
    expect(answer.subarray(0, 8).toString('latin1')).not.toMatch(/^HTTP/);
    expect(answer[0]).toBe(0x16);
  });
});

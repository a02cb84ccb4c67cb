// An endpoint that floods the proxy's pooled HTTP/2 session with PING frames (a raw frame
// server) gets GOAWAY ENHANCE_YOUR_CALM and its session is closed; the request that was
// waiting on it is answered by the proxy instead of being held, and requests to another
// endpoint are served throughout.
import http2, { type ClientHttp2Session } from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy } from './core-harness.ts';
import { H2Error, pingFrame, RawH2 } from './h2-raw-client.ts';

let good: http2.Http2Server;
let evil: net.Server;
/** The flooding endpoint's side of each connection the proxy opened to it. */
const floods: Promise<RawH2>[] = [];
let proxy: RunningProxy;
let goodPort: number;
let evilPort: number;

function get(
  session: ClientHttp2Session,
  path: string,
): Promise<{ status: number; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path }, { endStream: true });
    const timer = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`no answer to ${path} within 10 s`));
    }, 10_000);
    let status = 0;
    let error: string | undefined;
    req.on('response', (h) => {
      status = Number(h[':status']);
      error = h['weft-proxy-error'] as string | undefined;
    });
    req.resume();
    req.on('end', () => {
      clearTimeout(timer);
      resolve({ status, error });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

beforeAll(async () => {
  good = http2.createServer();
  good.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((r) => good.listen(0, '127.0.0.1', r));
  // Speaks HTTP/2 far enough to be a pooled session, then sends PINGs, 3 every 2 ms.
  evil = net.createServer((socket) => {
    const peer = RawH2.serve(socket);
    let n = 0;
    floods.push(
      peer
        .flood(() => Buffer.concat([pingFrame(n++), pingFrame(n++), pingFrame(n++)]), 8_000, 2)
        .then(() => peer),
    );
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  proxy = await startTestProxy({
    inbound: {
      ports: [
        { public: 0, app: (good.address() as AddressInfo).port },
        { public: 0, app: (evil.address() as AddressInfo).port },
      ],
    },
  });
  goodPort = (proxy.inbound[0] as { address: { port: number } }).address.port;
  evilPort = (proxy.inbound[1] as { address: { port: number } }).address.port;
});

afterAll(async () => {
  await proxy?.drain(500);
  await new Promise<void>((r) => good.close(() => r()));
  await new Promise<void>((r) => evil.close(() => r()));
});

describe('an endpoint flooding its pooled HTTP/2 session', () => {
  it('gets GOAWAY ENHANCE_YOUR_CALM; the waiting request is answered, others are served', async () => {
    const toGood = http2.connect(`http://127.0.0.1:${goodPort}`);
    const toEvil = http2.connect(`http://127.0.0.1:${evilPort}`);
    toGood.on('error', () => {});
    toEvil.on('error', () => {});
    try {
      const waiting = get(toEvil, '/never-answered');
      const served: number[] = [];
      const t0 = Date.now();
      while (floods.length === 0 && Date.now() - t0 < 5_000) {
        served.push((await get(toGood, '/ok')).status);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(floods.length).toBe(1);
      const peer = await (floods[0] as Promise<RawH2>);
      expect(peer.received.goaway?.code).toBe(H2Error.enhanceYourCalm);
      expect(await peer.waitClosed(5_000)).toBe(true);
      // answered by the proxy (the endpoint's connection went away), not held
      const answer = await waiting;
      expect(answer.status).toBe(502);
      expect(answer.error).toBe('connection-reset');
      for (let i = 0; i < 5; i++) served.push((await get(toGood, '/ok')).status);
      expect(served.every((s) => s === 200)).toBe(true);
    } finally {
      toGood.close();
      toEvil.close();
    }
  });
});

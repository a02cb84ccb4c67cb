// WebSocket through the proxy with the `ws` package: the Upgrade request goes to an
// endpoint, the 101 comes back, and the connection becomes a tunnel carrying frames both
// ways (text, large binary, close codes). Also inside a CONNECT tunnel, and the proxy's
// own 502 when the endpoint cannot be reached.
import net, { type AddressInfo, type Socket } from 'node:net';
import { freePort } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, startTestProxy, sum } from './core-harness.ts';
import { connectTunnel } from './tunnel-client.ts';

const CHAT = 'chat.test.svc.cluster.local:8080';
const GONE = 'gone.test.svc.cluster.local:8080';

let proxy: RunningProxy;
let wss: WebSocketServer;
const closeCodes: number[] = [];
const paths: string[] = [];

function viaProxy(url: string, createConnection: () => Socket): WebSocket {
  return new WebSocket(url, { createConnection: createConnection as never });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) =>
    ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })),
  );
}

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws, req) => {
    paths.push(req.url ?? '');
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', (code) => closeCodes.push(code));
  });
  const port = (wss.address() as AddressInfo).port;
  const gonePort = await freePort();
  const endpoints = (p: number) => ({ endpoints: [{ address: '127.0.0.1', port: p }] });
  proxy = await startTestProxy({ destinations: { [CHAT]: endpoints(port), [GONE]: endpoints(gonePort) } });
});

afterAll(async () => {
  await proxy?.drain(500);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});

describe('WebSocket through the proxy', () => {
  it('echoes text and a large binary frame, and passes the close code', async () => {
    const ws = viaProxy(`ws://${CHAT}/room/1?x=2`, () => net.connect(proxy.outbound.port, '127.0.0.1'));
    await opened(ws);
    ws.send('hello through weft');
    const text = await nextMessage(ws);
    expect(text.isBinary).toBe(false);
    expect(text.data.toString()).toBe('hello through weft');
    const big = Buffer.alloc(1 << 20, 0xab);
    ws.send(big);
    const bin = await nextMessage(ws);
    expect(bin.isBinary).toBe(true);
    expect(Buffer.compare(bin.data, big)).toBe(0);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(4001, 'bye');
    expect(await closed).toBe(4001);
    await expect.poll(() => closeCodes.includes(4001)).toBe(true);
    expect(paths).toContain('/room/1?x=2');
    const samples = parseProm((await admin(proxy, '/metrics')).body);
    const match = { direction: 'outbound', authority: CHAT, status_code: '101', classification: 'success' };
    expect(sum(samples, 'response_total', match)).toBe(1);
  });

  it('works inside a CONNECT tunnel', async () => {
    const { socket: tunnel, head } = await connectTunnel(proxy.outbound.port, CHAT);
    expect(head).toBe('HTTP/1.1 200 Connection established');
    // The HTTP client attaches its own reader; hand it the tunnel flowing again.
    const ws = viaProxy(`ws://${CHAT}/tunnelled`, () => tunnel.resume());
    await opened(ws);
    ws.send('inside');
    expect((await nextMessage(ws)).data.toString()).toBe('inside');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
    expect(paths).toContain('/tunnelled');
  });

  it('answers 502 with the proxy error header when the endpoint refuses', async () => {
    const ws = viaProxy(`ws://${GONE}/`, () => net.connect(proxy.outbound.port, '127.0.0.1'));
    const res = await new Promise<{ status: number; header: string | string[] | undefined }>(
      (resolve, reject) => {
        ws.once('unexpected-response', (_req, r) =>
          resolve({ status: r.statusCode ?? 0, header: r.headers['weft-proxy-error'] }),
        );
        ws.once('open', () => reject(new Error('opened')));
        ws.once('error', () => {});
      },
    );
    expect(res).toEqual({ status: 502, header: 'connect-refused' });
    ws.terminate();
  });
});

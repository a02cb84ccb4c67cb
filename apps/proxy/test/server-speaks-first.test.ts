// A server that speaks first (an SMTP-style banner) is heard at once, through a CONNECT
// tunnel and on an inbound port: the client sends nothing, the detection timeout is long
// (5 s), and the banner still arrives well inside it, because the proxy connects to the
// endpoint while it waits for the client and goes opaque as soon as the server speaks.
// HTTP on the same inbound port keeps working (it is still detected and parsed).
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { rawExchange, startTestProxy } from './core-harness.ts';
import { connectTunnel, readBytes } from './tunnel-client.ts';

const BANNER = 'smtp.test.svc.cluster.local:2525';
const BANNER_TEXT = '220 weft-test ready\r\n';
const DETECT_MS = 5_000;
/** Well inside the detection timeout: the banner must not wait for it. */
const BANNER_WITHIN_MS = 2_000;

let proxy: RunningProxy;
let httpProxy: RunningProxy;
const servers: net.Server[] = [];
/** Connections the HTTP app has open. */
let appOpen = 0;

async function listen(onConn: (s: Socket) => void): Promise<number> {
  const server = net.createServer(onConn);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  const bannerPort = await listen((s) => {
    s.on('error', () => s.destroy());
    s.write(BANNER_TEXT);
    s.on('data', (d) => s.write(`250 got ${d.toString().trim()}\r\n`));
  });
  const httpPort = await listen((s) => {
    appOpen++;
    s.on('close', () => appOpen--);
    s.on('error', () => s.destroy());
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi'));
  });
  proxy = await startTestProxy({
    inbound: { ports: [{ public: 0, app: bannerPort }] },
    destinations: { [BANNER]: { endpoints: [{ address: '127.0.0.1', port: bannerPort }] } },
    timeouts: { detectMs: DETECT_MS },
  });
  httpProxy = await startTestProxy({
    inbound: { ports: [{ public: 0, app: httpPort }] },
    timeouts: { detectMs: DETECT_MS },
  });
});

afterAll(async () => {
  await proxy?.drain(0);
  await httpProxy?.drain(0);
  for (const s of servers) s.close();
});

/** Reads `n` bytes within `ms`, or fails saying how long it waited. */
async function readWithin(socket: Socket, n: number, ms: number): Promise<{ data: string; ms: number }> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const data = await Promise.race([
    readBytes(socket, n),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  return { data: data.toString(), ms: performance.now() - t0 };
}

describe('server-speaks-first protocols', () => {
  it('get their banner through a CONNECT tunnel before the client sends anything', async () => {
    const { socket, status } = await connectTunnel(proxy.outbound.port, BANNER);
    try {
      expect(status).toBe(200);
      const banner = await readWithin(socket, BANNER_TEXT.length, BANNER_WITHIN_MS);
      expect(banner.data).toBe(BANNER_TEXT);
      socket.write('HELO me\r\n');
      expect((await readWithin(socket, 17, BANNER_WITHIN_MS)).data).toBe('250 got HELO me\r\n');
    } finally {
      socket.destroy();
    }
  });

  it('get their banner on an inbound port before the client sends anything', async () => {
    const socket = net.connect((proxy.inbound[0] as { address: { port: number } }).address.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.pause();
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const banner = await readWithin(socket, BANNER_TEXT.length, BANNER_WITHIN_MS);
      expect(banner.data).toBe(BANNER_TEXT);
      socket.write('HELO me\r\n');
      expect((await readWithin(socket, 17, BANNER_WITHIN_MS)).data).toBe('250 got HELO me\r\n');
    } finally {
      socket.destroy();
    }
  });

  it('leave client-first HTTP on an inbound port detected and parsed as before', async () => {
    const port = (httpProxy.inbound[0] as { address: { port: number } }).address.port;
    const out = await rawExchange(
      port,
      'GET / HTTP/1.1\r\nhost: app\r\nconnection: close\r\n\r\n',
      BANNER_WITHIN_MS,
    );
    expect(out.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(out.endsWith('\r\n\r\nhi')).toBe(true);
  });

  it('close the early endpoint connection when a slow client turns out to speak HTTP', async () => {
    const port = (httpProxy.inbound[0] as { address: { port: number } }).address.port;
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    let out = '';
    s.on('data', (c: Buffer) => {
      out += c.toString('latin1');
    });
    try {
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      // silent long enough for the proxy to connect to the app early
      await expect.poll(() => appOpen, { timeout: BANNER_WITHIN_MS }).toBe(1);
      s.write('GET / HTTP/1.1\r\nhost: app\r\nconnection: close\r\n\r\n');
      await expect.poll(() => out, { timeout: BANNER_WITHIN_MS }).toContain('\r\n\r\nhi');
      expect(out.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    } finally {
      s.destroy();
    }
    // neither the unused early connection nor the request's stays open
    await expect.poll(() => appOpen, { timeout: BANNER_WITHIN_MS }).toBe(0);
  });
});

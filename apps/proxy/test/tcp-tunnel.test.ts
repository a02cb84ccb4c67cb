// Opaque TCP through a CONNECT tunnel on the outbound proxy: bytes echoed intact both
// ways, the endpoint's byte and connection counters matching what went through, a
// server-speaks-first protocol answered without the client sending first, and refusals.
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, startTestProxy, sum } from './core-harness.ts';
import { connectTunnel, readBytes } from './tunnel-client.ts';

const ECHO = 'echo.test.svc.cluster.local:7000';
const BANNER = 'smtp.test.svc.cluster.local:2525';
const REFUSED = 'gone.test.svc.cluster.local:7000';
const BANNER_TEXT = '220 weft-test ready\r\n';

let proxy: RunningProxy;
const servers: net.Server[] = [];

async function listen(onConn: (s: Socket) => void): Promise<number> {
  const server = net.createServer(onConn);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const tunnel = (authority: string) => connectTunnel(proxy.outbound.port, authority);

async function endpointTcp(authority: string): Promise<Record<string, number>> {
  const samples = parseProm((await admin(proxy, '/metrics')).body);
  const match = { direction: 'outbound', peer: 'dst', authority };
  return {
    opens: sum(samples, 'tcp_open_total', match),
    closes: sum(samples, 'tcp_close_total', match),
    open: sum(samples, 'tcp_open_connections', match),
    read: sum(samples, 'tcp_read_bytes_total', match),
    written: sum(samples, 'tcp_write_bytes_total', match),
  };
}

beforeAll(async () => {
  const echoPort = await listen((s) => {
    s.on('error', () => s.destroy());
    s.pipe(s);
  });
  const bannerPort = await listen((s) => {
    s.on('error', () => s.destroy());
    s.write(BANNER_TEXT);
    s.on('data', (d) => s.write(`250 got ${d.toString().trim()}\r\n`));
  });
  const refusedPort = await listen(() => {});
  await new Promise<void>((resolve) => (servers.pop() as net.Server).close(() => resolve()));
  const endpoints = (port: number) => ({ endpoints: [{ address: '127.0.0.1', port }] });
  proxy = await startTestProxy({
    destinations: {
      [ECHO]: endpoints(echoPort),
      [BANNER]: endpoints(bannerPort),
      [REFUSED]: endpoints(refusedPort),
    },
    timeouts: { detectMs: 300 },
  });
});

afterAll(async () => {
  await proxy?.drain(500);
  for (const s of servers) s.close();
});

describe('opaque TCP through a CONNECT tunnel', () => {
  it('echoes bytes both ways and counts them on the endpoint', async () => {
    const { socket, head } = await tunnel(ECHO);
    expect(head).toBe('HTTP/1.1 200 Connection established');
    // Not HTTP, not h2, not TLS: detection decides "opaque" on the first byte.
    const payload = Buffer.alloc(256 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
    payload[0] = 0x01;
    socket.write(payload);
    const echoed = await readBytes(socket, payload.length);
    expect(echoed.equals(payload)).toBe(true);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end();
    socket.resume();
    await closed;
    await expect.poll(async () => (await endpointTcp(ECHO)).closes, { timeout: 5_000 }).toBe(1);
    // The endpoint connection carried exactly the payload each way.
    expect(await endpointTcp(ECHO)).toEqual({
      opens: 1,
      closes: 1,
      open: 0,
      read: payload.length,
      written: payload.length,
    });
  });

  it('lets a server-speaks-first protocol speak without the client sending first', async () => {
    const { socket } = await tunnel(BANNER);
    // The client sends nothing: the server speaks first over the endpoint connection the
    // CONNECT opened, the tunnel turns opaque, and the banner arrives.
    const banner = await readBytes(socket, BANNER_TEXT.length);
    expect(banner.toString()).toBe(BANNER_TEXT);
    socket.write('HELO me\r\n');
    const reply = await readBytes(socket, '250 got HELO me\r\n'.length);
    expect(reply.toString()).toBe('250 got HELO me\r\n');
    socket.destroy();
  });

  it('answers 502 instead of opening a tunnel when the endpoint refuses the connection', async () => {
    const { socket, head, status } = await tunnel(REFUSED);
    expect(status).toBe(502);
    expect(head).toContain('weft-proxy-error: connect-refused');
    expect(head).toContain('connection: close');
    socket.destroy();
    expect((await endpointTcp(REFUSED)).opens).toBe(0);
  });

  it('refuses a CONNECT whose target is not host:port as a bad request', async () => {
    // A CONNECT target must be host:port (authority-form): anything else is a bad request.
    const { socket, head } = await tunnel('no-port-here');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toContain('connection: close');
    socket.destroy();
  });
});

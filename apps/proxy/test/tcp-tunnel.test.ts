// Opaque TCP through a CONNECT tunnel on the outbound proxy: bytes echoed intact both
// ways, the endpoint's byte and connection counters matching what went through, a
// server-speaks-first protocol answered without the client sending first, and refusals.
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './tunnel-harness.ts';

const ECHO = 'echo.test.svc.cluster.local:7000';
const BANNER = 'smtp.test.svc.cluster.local:2525';
const REFUSED = 'gone.test.svc.cluster.local:7000';
const BANNER_TEXT = '220 weft-test ready\r\n';

let harness: Harness;
const servers: net.Server[] = [];

async function listen(onConn: (s: Socket) => void): Promise<number> {
  const server = net.createServer(onConn);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Opens a CONNECT tunnel and resolves with the socket once the proxy answered 200. */
function connectTunnel(authority: string): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(harness.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      socket.pause();
      const head = buf.toString('latin1', 0, end);
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ socket, head });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** Reads from `socket` until `n` bytes arrived. */
function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        socket.removeListener('data', onData);
        socket.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${got} of ${n} bytes`)));
    socket.resume();
  });
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
  harness = await startHarness(
    { [ECHO]: [echoPort], [BANNER]: [bannerPort], [REFUSED]: [refusedPort] },
    { detectMs: 300 },
  );
});

afterAll(async () => {
  await harness?.close();
  for (const s of servers) s.close();
});

describe('opaque TCP through a CONNECT tunnel', () => {
  it('echoes bytes both ways and counts them on the endpoint', async () => {
    const { socket, head } = await connectTunnel(ECHO);
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
    const endpoint = harness.concrete(ECHO).endpoints[0];
    await expect.poll(() => endpoint?.metrics.closes, { timeout: 5_000 }).toBe(1);
    expect(endpoint?.metrics.opens).toBe(1);
    // The endpoint connection carried exactly the payload each way.
    expect(endpoint?.metrics.writeBytes).toBe(payload.length);
    expect(endpoint?.metrics.readBytes).toBe(payload.length);
    expect(harness.concrete(ECHO).retained).toBe(0);
  });

  it('lets a server-speaks-first protocol speak without the client sending first', async () => {
    const { socket } = await connectTunnel(BANNER);
    // The client sends nothing: detection times out, the tunnel turns opaque, and the
    // server's banner arrives.
    const banner = await readBytes(socket, BANNER_TEXT.length);
    expect(banner.toString()).toBe(BANNER_TEXT);
    socket.write('HELO me\r\n');
    const reply = await readBytes(socket, '250 got HELO me\r\n'.length);
    expect(reply.toString()).toBe('250 got HELO me\r\n');
    socket.destroy();
  });

  it('closes the tunnel when the endpoint refuses the connection', async () => {
    const { socket } = await connectTunnel(REFUSED);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write('\x01ping');
    socket.resume();
    await closed;
    expect(harness.concrete(REFUSED).endpoints[0]?.metrics.opens).toBe(0);
  });

  it('refuses a CONNECT whose target is not host:port, with the proxy error header', async () => {
    const { socket, head } = await connectTunnel('no-port-here');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(head).toContain('weft-proxy-error: unresolvable');
    socket.destroy();
  });
});

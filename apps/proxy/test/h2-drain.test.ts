// Draining the HTTP/2 server: `drain()` sends GOAWAY to every client connection, so the
// client opens no new stream there while the streams in flight still complete, and
// `activeConnections()` falls to zero once they have. Driven through the protocol
// servers with the proxy's real balancer (ConcreteService) and detection hand-off.
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type H2Inbound, readResponse, startH2Inbound } from './h2-inbound-harness.ts';

let proxy: H2Inbound;

beforeAll(async () => {
  proxy = await startH2Inbound((stream) => {
    setTimeout(() => {
      stream.respond({ ':status': 200 });
      stream.end('finished');
    }, 300);
  });
});

afterAll(async () => {
  await proxy?.close();
});

describe('HTTP/2 drain', () => {
  it('lets streams in flight finish after GOAWAY, and refuses new ones', async () => {
    const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
    session.on('error', () => {});
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const inFlight = readResponse(session.request({ ':path': '/slow' }, { endStream: true }));
    // Wait until the proxy holds the connection, then drain.
    await expect.poll(() => proxy.servers.activeConnections()).toBe(1);
    proxy.servers.drain();
    await goaway;
    expect(() => session.request({ ':path': '/late' })).toThrow();
    expect(await inFlight).toEqual({ status: 200, body: 'finished' });
    await expect.poll(() => proxy.servers.activeConnections(), { timeout: 5_000 }).toBe(0);
    session.close();
  });
});

import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { firstRecordLength, readSni } from './client-hello.ts';

/** Captures the first bytes a real TLS client sends. */
async function captureHello(servername?: string): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        const len = firstRecordLength(buf);
        if (len !== undefined && buf.length >= len) {
          resolve(buf);
          s.destroy();
        }
      });
    });
  });
  const c = connect({
    host: '127.0.0.1',
    port,
    ...(servername ? { servername } : {}),
    rejectUnauthorized: false,
  });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  server.close();
  return hello;
}

describe('readSni', () => {
  it('reads the server name of a real ClientHello', async () => {
    const hello = await captureHello('web.demo.serviceaccount.identity.weft.cluster.local');
    expect(readSni(hello)).toBe('web.demo.serviceaccount.identity.weft.cluster.local');
  });

  it('is undefined without SNI, on a partial record and on other bytes', async () => {
    const hello = await captureHello();
    expect(readSni(hello)).toBeUndefined();
    expect(readSni(hello.subarray(0, 40))).toBeUndefined();
    expect(readSni(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBeUndefined();
  });
});

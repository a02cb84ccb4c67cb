import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_ANSWER_BYTES, postJson } from './post-json.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A loopback server answering every request with `handler`; resolves with its URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<URL> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/trpc/identity.certify`);
}

describe('postJson', () => {
  it('sends the JSON body and headers, and returns the status and parsed answer', async () => {
    let seen: { method?: string; type?: string; auth?: string; path?: string; body: string } = { body: '' };
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen = {
          method: req.method,
          type: req.headers['content-type'],
          auth: req.headers.authorization,
          path: req.url,
          body,
        };
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}');
      });
    });
    const r = await postJson(url, '{"csr":"x"}', { authorization: 'Bearer t' }, 2000);
    expect(r).toEqual({ status: 400, ok: false, json: { error: { message: 'no' } } });
    expect(seen).toEqual({
      method: 'POST',
      type: 'application/json',
      auth: 'Bearer t',
      path: '/trpc/identity.certify',
      body: '{"csr":"x"}',
    });
  });

  it('refuses an answer that is not JSON, naming the status', async () => {
    const url = await serve((_req, res) => res.writeHead(502).end('<html>bad gateway</html>'));
    await expect(postJson(url, '{}', {}, 2000)).rejects.toThrow('HTTP 502 with a body that is not JSON');
  });

  it('stops reading an answer past its bound', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(MAX_ANSWER_BYTES + 1024, 0x20));
    });
    await expect(postJson(url, '{}', {}, 5000)).rejects.toThrow(
      `answer larger than ${MAX_ANSWER_BYTES} bytes`,
    );
  });

  it('gives up on a controller that does not answer in time', async () => {
    const url = await serve(() => {});
    await expect(postJson(url, '{}', {}, 200)).rejects.toThrow('no answer in 200 ms');
  });

  it('refuses a URL scheme it cannot speak', async () => {
    await expect(postJson(new URL('ftp://127.0.0.1/x'), '{}', {}, 200)).rejects.toThrow(
      'unsupported controller URL scheme ftp:',
    );
  });
});

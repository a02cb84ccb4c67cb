// HTTP/1.1 through the proxy, both directions: streamed bodies (fixed and chunked),
// keep-alive and pooling, Expect: 100-continue, hop-by-hop headers, HEAD and 204.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';

let up: Upstream;
let proxy: RunningProxy;
let release: (() => void) | null = null;
let lastHeaders: http.IncomingHttpHeaders = {};
const RANDOM = randomBytes(4 * 1024 * 1024 + 3);

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    lastHeaders = req.headers;
    if (req.url === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    } else if (req.url === '/hash') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
      });
      req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
    } else if (req.url === '/stream') {
      // first part now, the rest only after the client proved it received the first
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      release = () => res.end('second');
    } else if (req.url === '/random') {
      res.writeHead(200, { 'content-length': String(RANDOM.length) });
      // many writes, so that reads and backpressure interleave
      let off = 0;
      const pump = () => {
        while (off < RANDOM.length) {
          const end = Math.min(RANDOM.length, off + 7919);
          const ok = res.write(RANDOM.subarray(off, end));
          off = end;
          if (!ok) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else if (req.url === '/empty') {
      res.writeHead(204);
      res.end();
    } else {
      res.setHeader('x-upstream', 'yes');
      res.end(`hello ${req.method} ${req.url}`);
    }
  });
  proxy = await startTestProxy({
    inbound: { ports: [{ public: 0, app: up.port }] },
    destinations: {
      'web.test:80': {
        endpoints: [{ address: '127.0.0.1', port: up.port, namespace: 'test', workload: 'web' }],
      },
    },
  });
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
});

describe('HTTP/1.1 through the proxy', () => {
  it('forwards absolute-form requests on outbound and origin-form on inbound', async () => {
    const r = await viaProxy(proxy, 'http://web.test/a?b=1');
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello GET /a?b=1');
    expect(r.headers['x-upstream']).toBe('yes');
    const inbound = await new Promise<string>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: proxy.inbound[0]?.address.port, path: '/in', agent: false },
          (res) => {
            let b = '';
            res.on('data', (c) => {
              b += c;
            });
            res.on('end', () => resolve(b));
          },
        )
        .on('error', reject);
    });
    expect(inbound).toBe('hello GET /in');
  });

  it('streams a large request body with a fixed length, unchanged', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const r = await viaProxy(proxy, 'http://web.test/hash', { method: 'POST', body });
    expect(r.body).toBe(`${body.length} ${createHash('sha256').update(body).digest('hex')}`);
  });

  it('streams chunked bodies both ways', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => randomBytes(1000 + i * 997));
    const all = Buffer.concat(parts);
    const got = await new Promise<Buffer>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.outbound.port,
          path: 'http://web.test/echo',
          method: 'POST',
          headers: { host: 'web.test', 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (res) => {
          expect(res.headers['transfer-encoding']).toBe('chunked');
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        },
      );
      req.on('error', reject);
      for (const p of parts) req.write(p);
      req.end();
    });
    expect(got.equals(all)).toBe(true);
  });

  it('streams a response before the upstream has finished it', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: proxy.outbound.port, path: 'http://web.test/stream', agent: false },
          (res) => {
            let b = '';
            res.on('data', (c) => {
              b += c;
              // only a proxy that streams lets the first part through before the end
              if (b === 'first;') release?.();
            });
            res.on('end', () => resolve(b));
          },
        )
        .on('error', reject);
    });
    expect(text).toBe('first;second');
  });

  it('streams a large response to a slow reader intact, then serves the next request on the same connections', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const got = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: proxy.outbound.port, path: 'http://web.test/random', agent },
          (res) => {
            const chunks: Buffer[] = [];
            let n = 0;
            res.on('data', (c: Buffer) => {
              chunks.push(Buffer.from(c));
              // a slow reader: pause now and then so the proxy's writes back up
              if (++n % 8 === 0) {
                res.pause();
                setTimeout(() => res.resume(), 5);
              }
            });
            res.on('end', () => resolve(Buffer.concat(chunks)));
          },
        )
        .on('error', reject);
    });
    expect(got.length).toBe(RANDOM.length);
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(RANDOM).digest('hex'),
    );
    for (let i = 0; i < 5; i++) {
      const r = await viaProxy(proxy, `http://web.test/after-big-${i}`, { agent });
      expect(r.body).toBe(`hello GET /after-big-${i}`);
    }
    agent.destroy();
  });

  it('reuses one client connection and pooled upstream connections', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = up.conns;
    for (let i = 0; i < 20; i++) {
      const r = await viaProxy(proxy, `http://web.test/k${i}`, { agent });
      expect(r.body).toBe(`hello GET /k${i}`);
    }
    agent.destroy();
    expect(up.conns - before).toBeLessThanOrEqual(1);
  });

  it('passes Expect: 100-continue through', async () => {
    const r = await new Promise<{ continued: boolean; body: string }>((resolve, reject) => {
      let continued = false;
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.outbound.port,
          path: 'http://web.test/echo',
          method: 'PUT',
          headers: { host: 'web.test', expect: '100-continue', 'content-length': '5' },
          agent: false,
        },
        (res) => {
          let b = '';
          res.on('data', (c) => {
            b += c;
          });
          res.on('end', () => resolve({ continued, body: b }));
        },
      );
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('error', reject);
    });
    expect(r).toEqual({ continued: true, body: 'hello' });
  });

  it('drops hop-by-hop headers, keeps end-to-end ones, and adds the mesh caller header', async () => {
    await viaProxy(proxy, 'http://web.test/h', {
      headers: {
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic Zm9v',
        te: 'trailers',
        'x-end': 'kept',
        'weft-src': 'forged/caller',
      },
    });
    expect(lastHeaders['x-end']).toBe('kept');
    for (const h of ['x-hop', 'keep-alive', 'proxy-authorization', 'te'])
      expect(lastHeaders[h]).toBeUndefined();
    // the endpoint is not meshed: no mesh header at all, and never the client's forged one
    expect(lastHeaders['weft-src']).toBeUndefined();
  });

  it('answers HEAD and 204 without a body and keeps the connection usable', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const h = await viaProxy(proxy, 'http://web.test/x', { method: 'HEAD', agent });
    expect(h.status).toBe(200);
    expect(h.body).toBe('');
    const e = await viaProxy(proxy, 'http://web.test/empty', { agent });
    expect(e.status).toBe(204);
    const g = await viaProxy(proxy, 'http://web.test/after', { agent });
    expect(g.body).toBe('hello GET /after');
    agent.destroy();
  });

  it('forwards to an IP:port that is not a configured service', async () => {
    const r = await viaProxy(proxy, `http://127.0.0.1:${up.port}/direct`);
    expect(r.body).toBe('hello GET /direct');
  });
});

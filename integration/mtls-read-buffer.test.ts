/**
 * A meshed server's proxy reads its app's responses into one reusable 64 KiB buffer per
 * connection. Its client side is TLS, whose writes never complete at once: a response
 * forwarded as a copy (a small one goes out as one string with its head) must not make
 * the proxy think the buffer is still referenced and allocate a fresh one per response.
 * That churn (64 KiB of off-heap memory per request) drove garbage collections for
 * "external memory pressure" on every mTLS hop. Counted here through the allocator,
 * not timed. The meshed client's proxy reads its TLS peer's responses into such a buffer
 * too: a large response read slowly (so writes queue and reads pause) must arrive intact.
 * The inbound proxy reads decrypted requests into a buffer shared by all its connections:
 * request bodies uploaded at once to a slow app must arrive intact too.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { meshIdentity } from '@weft/shared';
import { answerSlowHash } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  answerPath,
  type MeshedProxy,
  metricSum,
  startApp,
  startMeshedProxy,
  startTestController,
  type TestController,
  viaOutbound,
  waitReady,
} from './mtls-harness.ts';

const WEB = meshIdentity('web', 'demo');
const AUTH = 'web.demo.svc.cluster.local:8080';
const READ_BUFFER = 64 * 1024;
const REQUESTS = 40;
/** The large response: 8 MiB in 64 KiB chunks, each byte a function of its offset. */
const BIG_CHUNKS = 128;
const bigChunk = (k: number) => Buffer.alloc(64 * 1024, (k * 7 + 1) & 0xff);
const sha256 = (parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** Answers `app:<path>`, or `/big` with the large patterned body written as fast as it drains. */
function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/slow-hash') {
    // reads in small bites with pauses: the proxy's writes to the app queue up
    answerSlowHash(req, res);
    return;
  }
  if (req.url !== '/big') {
    answerPath(req, res);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let k = 0;
  const more = () => {
    while (k < BIG_CHUNKS) if (!res.write(bigChunk(k++))) return void res.once('drain', more);
    res.end();
  };
  more();
}

let ctl: TestController;
let app: Awaited<ReturnType<typeof startApp>>;
let web: MeshedProxy;
let load: MeshedProxy;

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = await startApp(answer);
  web = await startMeshedProxy({ controller: ctl, namespace: 'demo', workload: 'web', appPort: app.port });
  load = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'load',
    destinations: {
      [AUTH]: {
        endpoints: [
          {
            address: '127.0.0.1',
            port: web.inboundPort,
            meshed: true,
            identity: WEB,
            namespace: 'demo',
            workload: 'web',
          },
        ],
      },
    },
  });
  await waitReady(web);
  await waitReady(load);
});
afterAll(async () => {
  await load?.stop();
  await web?.stop();
  await app?.close();
  await ctl?.close();
});

describe('the inbound proxy behind mTLS', () => {
  it('reuses its read buffer towards the app instead of allocating one per response', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // warm up: connections opened (each has its own buffer) before counting
    expect(await viaOutbound(load, `http://${AUTH}/warm`, agent)).toMatchObject({ status: 200 });
    const alloc = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const r = await viaOutbound(load, `http://${AUTH}/r/${i}`, agent);
        expect(r).toMatchObject({ status: 200, body: `app:/r/${i}` });
      }
      const readBuffers = alloc.mock.calls.filter(([size]) => size === READ_BUFFER).length;
      // one per new connection at most (the requests are sequential: one or two), never one per response
      expect(readBuffers).toBeLessThanOrEqual(2);
    } finally {
      alloc.mockRestore();
      agent.destroy();
    }
    // and the requests did cross mTLS
    expect(await metricSum(web, 'response_total', ['direction="inbound"', 'tls="true"'])).toBe(REQUESTS + 1);
  });
});

describe('the outbound proxy towards a meshed peer', () => {
  it('delivers a large response read slowly byte for byte', async () => {
    const expected = sha256(Array.from({ length: BIG_CHUNKS }, (_, k) => bigChunk(k)));
    const got = await new Promise<{ status: number; bytes: number; sha: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: load.proxy.outbound.port, path: `http://${AUTH}/big` },
        (res) => {
          const parts: Buffer[] = [];
          let n = 0;
          res.on('data', (d: Buffer) => {
            parts.push(d);
            // a slow reader: stop now and then so the proxies' writes queue and their reads pause
            if (++n % 16 === 0) {
              res.pause();
              setTimeout(() => res.resume(), 5);
            }
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              bytes: parts.reduce((t, p) => t + p.length, 0),
              sha: sha256(parts),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(got).toEqual({ status: 200, bytes: BIG_CHUNKS * 64 * 1024, sha: expected });
  });
});

describe('the inbound proxy reading mTLS requests', () => {
  it('delivers concurrent uploads to a slow app byte for byte', async () => {
    const bodies = Array.from({ length: 4 }, () => randomBytes(512 * 1024 + 5));
    const upload = (body: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: load.proxy.outbound.port,
            path: `http://${AUTH}/slow-hash`,
            method: 'POST',
          },
          (res) => {
            let out = '';
            res.setEncoding('latin1');
            res.on('data', (d: string) => {
              out += d;
            });
            res.on('end', () => resolve(out));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        // uneven writes, so that requests interleave at the proxies
        for (let off = 0; off < body.length; off += 9973) req.write(body.subarray(off, off + 9973));
        req.end();
      });
    const got = await Promise.all(bodies.map(upload));
    expect(got).toEqual(bodies.map((b) => `${b.length} ${sha256([b])}`));
  });
});

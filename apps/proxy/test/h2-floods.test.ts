// HTTP/2 floods against a real proxy process, sent by a raw frame client: rapid reset
// (CVE-2023-44487), endless CONTINUATION frames (2024), SETTINGS and PING floods. Each
// abusive connection is closed (GOAWAY ENHANCE_YOUR_CALM where the proxy counts the
// rate), the proxy's private memory stays within a bound while it lasts, and a second,
// well-behaved client is answered throughout, each request within a few seconds.
import http from 'node:http';
import http2, { type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { H2_FLOOD_CLOSED_METRIC } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProm, sum } from './core-harness.ts';
import {
  continuationFrame,
  Flag,
  getHeaderBlock,
  H2Error,
  headersFrame,
  pingFrame,
  RawH2,
  rstStreamFrame,
  settingsFrame,
} from './h2-raw-client.ts';
import { type ProxyProcess, startProxyProcess } from './proxy-process.ts';

/** Generous bound on the proxy's private memory growth during one flood. */
const MAX_GROWTH = 64 * 1024 * 1024;
/** The longest a flood is kept up when the proxy does not close the connection. */
const FLOOD_MS = 8_000;
/** Each request of the well-behaved client must be answered within this. */
const ANSWER_MS = 5_000;

let upstream: http2.Http2Server;
let upstreamStreams = 0;
const upstreamSessions = new Set<http2.ServerHttp2Session>();
let proxy: ProxyProcess;
let port: number;

beforeAll(async () => {
  upstream = http2.createServer();
  upstream.on('session', (s) => {
    upstreamSessions.add(s);
    s.on('close', () => upstreamSessions.delete(s));
  });
  upstream.on('stream', (stream) => {
    upstreamStreams++;
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await startProxyProcess([(upstream.address() as AddressInfo).port]);
  port = proxy.inboundPorts[0] as number;
});

afterAll(async () => {
  await proxy?.stop();
  for (const s of upstreamSessions) s.destroy();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** One GET on `session`; rejects when no answer comes within ANSWER_MS. */
function get(session: ClientHttp2Session): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': '/good' }, { endStream: true });
    const timer = setTimeout(() => {
      req.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`no answer within ${ANSWER_MS} ms`));
    }, ANSWER_MS);
    let status = 0;
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.resume();
    req.on('end', () => {
      clearTimeout(timer);
      resolve(status);
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

interface FloodOutcome {
  /** Whether the proxy closed the abusive connection before FLOOD_MS. */
  closed: boolean;
  goaway: { lastStreamId: number; code: number } | null;
  batches: number;
  /** Largest growth of the proxy's private memory over its level before the flood. */
  growth: number;
  /** Statuses the well-behaved client got while the flood lasted (or the errors). */
  served: (number | string)[];
}

/**
 * Runs a flood of `batch(i)` on a raw connection while a well-behaved client on its own
 * connection sends a request every 100 ms, and the proxy's memory is sampled.
 */
async function underFlood(batch: (i: number) => Buffer | null, paceMs = 0): Promise<FloodOutcome> {
  const good = http2.connect(`http://127.0.0.1:${port}`);
  good.on('error', () => {});
  try {
    expect(await get(good)).toBe(200);
    const base = proxy.rssAnon();
    let peak = base;
    const served: (number | string)[] = [];
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        peak = Math.max(peak, proxy.rssAnon());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const client = (async () => {
      while (!stop) {
        served.push(await get(good).catch((e: Error) => e.message));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const raw = await RawH2.open(port);
    const batches = await raw.flood(batch, FLOOD_MS, paceMs);
    const closed = await raw.waitClosed(5_000);
    // keep watching a little after the flood: memory still held, requests still served
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all([sampler, client]);
    raw.destroy();
    served.push(await get(good).catch((e: Error) => e.message));
    return { closed, goaway: raw.received.goaway, batches, growth: peak - base, served };
  } finally {
    good.close();
  }
}

/** The proxy's count of connections closed past a flood limit of `kind`, from its /metrics. */
function floodsClosed(kind: 'reset' | 'ping' | 'settings'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: proxy.adminPort, path: '/metrics', agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(sum(parseProm(body), H2_FLOOD_CLOSED_METRIC, { kind })));
      },
    );
    req.on('error', reject);
  });
}

function expectServed(o: FloodOutcome): void {
  expect(o.served.length).toBeGreaterThan(0);
  expect(o.served.filter((s) => s !== 200)).toEqual([]);
  expect(o.growth).toBeLessThan(MAX_GROWTH);
}

const AUTHORITY = 'app.test';

describe('HTTP/2 floods against the proxy', () => {
  it('rapid reset: streams opened and reset by the thousand get GOAWAY ENHANCE_YOUR_CALM', async () => {
    const block = getHeaderBlock(AUTHORITY, '/reset');
    let stream = 1;
    const before = upstreamStreams;
    const counted = await floodsClosed('reset');
    const o = await underFlood(() => {
      // 100 streams per batch, each opened and reset at once; 20,000 at most
      if (stream > 40_000) return null;
      const frames: Buffer[] = [];
      for (let k = 0; k < 100; k++, stream += 2) {
        frames.push(headersFrame(stream, block, Flag.endHeaders | Flag.endStream));
        frames.push(rstStreamFrame(stream, H2Error.cancel));
      }
      return Buffer.concat(frames);
    });
    expect(o.closed).toBe(true);
    expect(o.goaway?.code).toBe(H2Error.enhanceYourCalm);
    // it stopped well before the abuser was done, and passed few streams on
    expect(o.goaway?.lastStreamId ?? Number.MAX_SAFE_INTEGER).toBeLessThan(40_000);
    expect(upstreamStreams - before).toBeLessThan(5_000);
    expectServed(o);
    expect(await floodsClosed('reset')).toBe(counted + 1);
  });

  it('CONTINUATION flood: a header block that never ends closes the connection', async () => {
    // HEADERS without END_HEADERS, then CONTINUATION frames of header fields, forever.
    // Bounded by Node itself (nghttp2 1.61 allows 8 CONTINUATION frames per block, and
    // the proxy's maxHeaderListSize): this test holds it to that.
    const field = Buffer.concat([Buffer.from([0x00, 0x03]), Buffer.from('x-a'), Buffer.from([0x01, 0x62])]);
    const fragment = Buffer.concat(Array.from({ length: Math.floor(16_000 / field.length) }, () => field));
    const o = await underFlood((i) =>
      i === 0
        ? headersFrame(1, getHeaderBlock(AUTHORITY, '/continuation'), 0)
        : Buffer.concat(Array.from({ length: 8 }, () => continuationFrame(1, fragment, false))),
    );
    expect(o.closed).toBe(true);
    expectServed(o);
  });

  // Paced floods: a few frames every 2 ms (a thousand or more a second), slow enough that
  // the acknowledgements keep flowing and Node's own flood detection never fires.
  it('SETTINGS flood: past the rate, GOAWAY ENHANCE_YOUR_CALM', async () => {
    const frame = settingsFrame([[0x4, 65_535]]);
    const counted = await floodsClosed('settings');
    const o = await underFlood(() => Buffer.concat([frame, frame, frame]), 2);
    expect(o.closed).toBe(true);
    expect(o.goaway?.code).toBe(H2Error.enhanceYourCalm);
    expectServed(o);
    expect(await floodsClosed('settings')).toBe(counted + 1);
  });

  it('PING flood: past the rate, GOAWAY ENHANCE_YOUR_CALM', async () => {
    let n = 0;
    const counted = await floodsClosed('ping');
    const o = await underFlood(() => Buffer.concat([pingFrame(n++), pingFrame(n++), pingFrame(n++)]), 2);
    expect(o.closed).toBe(true);
    expect(o.goaway?.code).toBe(H2Error.enhanceYourCalm);
    expectServed(o);
    expect(await floodsClosed('ping')).toBe(counted + 1);
  });

  it('SETTINGS and PING as fast as they can be sent: the connection is closed', async () => {
    // Faster than their acknowledgements go out: Node closes the session once a thousand
    // wait (with or before the GOAWAY of the rate limit).
    let n = 0;
    const settings = settingsFrame();
    const o = await underFlood(() =>
      Buffer.concat(Array.from({ length: 20 }, (_, k) => (k % 2 === 0 ? settings : pingFrame(n++)))),
    );
    expect(o.closed).toBe(true);
    expectServed(o);
  });
});

// Each listener caps the connections it keeps open, per source address and in total:
// beyond a cap a new connection is closed at once (no byte answered) and counted in
// tcp_accept_refused_total; a closed connection frees its place.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, startTestProxy, startUpstream, sum, type Upstream } from './core-harness.ts';

let up: Upstream;
let proxy: RunningProxy;
const open: net.Socket[] = [];

beforeAll(async () => {
  up = await startUpstream((_req, res) => res.end('ok'));
  proxy = await startTestProxy(
    { destinations: { 'web.test:80': { endpoints: [{ address: '127.0.0.1', port: up.port }] } } },
    { WEFT_PROXY_MAX_CONNECTIONS: '5', WEFT_PROXY_MAX_CONNECTIONS_PER_SOURCE: '3' },
  );
});

afterAll(async () => {
  for (const s of open) s.destroy();
  await proxy.drain(0);
  await up.close();
});

/**
 * Connects from `from`, sends one keep-alive request and resolves with what came back:
 * the answer (the connection stays open, kept in `open`) or '' when the proxy closed it
 * first. Bounded: 3 s.
 */
function request(from: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port: proxy.outbound.port, host: '127.0.0.1', localAddress: from });
    open.push(s);
    let got = '';
    const done = (v: string) => {
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => done(got), 3_000);
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.endsWith('\r\n\r\nok')) done(got);
    });
    s.on('close', () => done(got));
    s.on('connect', () => s.write('GET http://web.test/ HTTP/1.1\r\nHost: web.test\r\n\r\n'));
  });
}

async function refused(reason: string): Promise<number> {
  const samples = parseProm((await admin(proxy, '/metrics')).body);
  return sum(samples, 'tcp_accept_refused_total', { direction: 'outbound', listener: 'outbound', reason });
}

describe('listener connection caps', () => {
  it('close connections beyond the per-source and total caps at once, and count them', async () => {
    for (let i = 0; i < 3; i++) expect(await request('127.0.0.1')).toMatch(/^HTTP\/1.1 200 /);
    // a fourth from the same address: closed without an answer
    expect(await request('127.0.0.1')).toBe('');
    expect(await refused('per_source')).toBe(1);
    // other sources still get in, up to the total of 5
    expect(await request('127.0.0.2')).toMatch(/^HTTP\/1.1 200 /);
    expect(await request('127.0.0.3')).toMatch(/^HTTP\/1.1 200 /);
    expect(await request('127.0.0.4')).toBe('');
    expect(await refused('total')).toBe(1);
    // a closed connection frees its place
    const first = open[0] as net.Socket;
    const gone = new Promise((r) => first.once('close', r));
    first.destroy();
    await gone;
    await expect
      .poll(async () => request('127.0.0.1'), { timeout: 5_000, interval: 100 })
      .toMatch(/^HTTP\/1.1 200 /);
  });
});

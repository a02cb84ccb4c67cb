// 1,000 junk Host values sent to an inbound port do not use up the inbound label sets:
// past MAX_INBOUND_AUTHORITIES distinct Hosts, further ones are labelled
// authority="overflow", and a new caller that comes afterwards still gets its own labels.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { MAX_INBOUND_AUTHORITIES, OVERFLOW_AUTHORITY } from '../src/metrics/registry.ts';
import { admin, parseProm, startTestProxy, startUpstream, sum, type Upstream } from './core-harness.ts';

const JUNK = 1_000;

let app: Upstream;
let proxy: RunningProxy;
let port: number;

beforeAll(async () => {
  app = await startUpstream((_req, res) => res.end('ok'));
  proxy = await startTestProxy({ inbound: { ports: [{ public: 0, app: app.port }] } });
  port = (proxy.inbound[0] as { address: { port: number } }).address.port;
});

afterAll(async () => {
  await proxy.drain(0);
  await app.close();
});

/** Sends `heads` pipelined on one connection from `from`; resolves once every answer came (bounded). */
function pipelined(from: string, hosts: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let got = '';
    let answers = 0;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${answers} of ${hosts.length} answers within 20 s`));
    }, 20_000);
    s.on('error', reject);
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      let i = got.indexOf('\r\n\r\nok');
      while (i >= 0) {
        answers++;
        got = got.slice(i + 6);
        i = got.indexOf('\r\n\r\nok');
      }
      if (answers === hosts.length) {
        clearTimeout(timer);
        s.destroy();
        resolve(answers);
      }
    });
    s.write(hosts.map((h) => `GET / HTTP/1.1\r\nHost: ${h}\r\n\r\n`).join(''));
  });
}

describe('inbound metric label sets', () => {
  it('keep a new caller its own labels after 1,000 junk Host values', async () => {
    const junk = Array.from({ length: JUNK }, (_, i) => `junk-${i}.example:80`);
    expect(await pipelined('127.0.0.1', junk)).toBe(JUNK);
    expect(await pipelined('127.0.0.2', ['web.demo:80'])).toBe(1);
    const samples = parseProm((await admin(proxy, '/metrics')).body);
    const inbound = samples.filter((s) => s.name === 'request_total' && s.labels.direction === 'inbound');
    // the new caller's request is counted under its own source address
    expect(sum(samples, 'request_total', { direction: 'inbound', src_addr: '127.0.0.2' })).toBe(1);
    // junk is counted, not dropped: all of it, partly under the overflow authority
    expect(sum(samples, 'request_total', { direction: 'inbound', src_addr: '127.0.0.1' })).toBe(JUNK);
    expect(
      sum(samples, 'request_total', {
        direction: 'inbound',
        src_addr: '127.0.0.1',
        authority: OVERFLOW_AUTHORITY,
      }),
    ).toBeGreaterThan(0);
    const authorities = new Set(inbound.map((s) => s.labels.authority));
    expect(authorities.size).toBeLessThanOrEqual(MAX_INBOUND_AUTHORITIES + 1);
  }, 30_000);
});

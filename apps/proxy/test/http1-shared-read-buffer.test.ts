// Accepted HTTP/1 connections all read into one shared buffer (transport/read-into.ts):
// whatever outlives a read must be a copy. These requests keep bytes past their read in
// every way the proxy allows (bodies queued for a slow endpoint, pipelined requests held
// back, a body kept for a retry, an upgrade's first bytes) while other connections read.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { answerSlowHash } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { startTestProxy, startUpstream, type Upstream } from './core-harness.ts';

let up: Upstream;
let proxy: RunningProxy;
/** `/gated` tells it arrived, then answers only once the gate opens. */
let gatedArrived: () => void = () => {};
let gate: Promise<void> = Promise.resolve();

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    if (req.url?.startsWith('/slow-hash')) {
      // reads in small bites with pauses: the proxy's writes to it queue up
      answerSlowHash(req, res);
    } else if (req.url === '/gated') {
      req.resume();
      gatedArrived();
      void gate.then(() => res.end('gated'));
    } else {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString('latin1')}`));
    }
  });
  proxy = await startTestProxy({ inbound: { ports: [{ public: 0, app: up.port }] } });
});

afterAll(async () => {
  await proxy.drain(0);
  await up.close();
});

const port = () => proxy.inbound[0]?.address.port as number;

/** POSTs `body` in uneven writes on a raw connection; resolves with the response body. */
function upload(body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port(), '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c.toString('latin1');
    });
    s.on('error', reject);
    s.on('end', () => resolve(out.slice(out.indexOf('\r\n\r\n') + 4)));
    s.write(
      `POST /slow-hash HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    let off = 0;
    const pump = () => {
      while (off < body.length) {
        const end = Math.min(body.length, off + 1000 + (off % 7919));
        const ok = s.write(body.subarray(off, end));
        off = end;
        if (!ok) return void s.once('drain', pump);
      }
    };
    pump();
  });
}

describe('HTTP/1 connections sharing one read buffer', () => {
  it('delivers concurrent uploads to a slow endpoint intact', async () => {
    const bodies = Array.from({ length: 6 }, () => randomBytes(512 * 1024 + 17));
    const got = await Promise.all(bodies.map(upload));
    for (let k = 0; k < bodies.length; k++) {
      const b = bodies[k] as Buffer;
      expect(got[k]).toBe(`${b.length} ${createHash('sha256').update(b).digest('hex')}`);
    }
  });

  it('answers pipelined requests with bodies, in order, while other connections read', async () => {
    let open: () => void = () => {};
    gate = new Promise((r) => {
      open = r;
    });
    const arrived = new Promise<void>((r) => {
      gatedArrived = r;
    });
    // the first request waits at the endpoint while the ones behind it are held back
    const first = 'GET /gated HTTP/1.1\r\nhost: x\r\n\r\n';
    const reqs = Array.from({ length: 5 }, (_, k) => {
      const body = `body-${k}-${'x'.repeat(k * 300)}`;
      return `POST /p${k} HTTP/1.1\r\nhost: x\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    });
    const last = 'GET /end HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n';
    // a first request and its answer: the batch is then not the connection's first read
    const c = net.connect(port(), '127.0.0.1');
    let out = '';
    const ended = new Promise<void>((r) => c.on('close', () => r()));
    const warm = new Promise<void>((r) => c.once('data', () => r()));
    c.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    c.write('GET /warm HTTP/1.1\r\nhost: x\r\n\r\n');
    await warm;
    c.write(first + reqs.join('') + last);
    await arrived;
    // other connections read (into the same buffer) while those requests are held back
    await Promise.all(Array.from({ length: 4 }, () => upload(randomBytes(64 * 1024))));
    open();
    await ended;
    const answers = out.split('HTTP/1.1 200').slice(1);
    expect(answers).toHaveLength(8);
    expect(answers[0]).toContain('GET /warm ');
    expect(answers[1]).toContain('gated');
    for (let k = 0; k < 5; k++)
      expect(answers[k + 2]).toContain(`POST /p${k} body-${k}-${'x'.repeat(k * 300)}`);
    expect(answers[7]).toContain('GET /end ');
  });
});

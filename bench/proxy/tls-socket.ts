/**
 * What a TLS 1.3 socket itself costs Node per request, apart from any proxy: one process
 * plays an HTTP/1-sized ping-pong (a ~70-byte request, a ~120-byte response, one write each
 * way) over loopback on plain TCP and on TLS 1.3 with each cipher suite, taking turns in
 * blocks, and prints the CPU µs per round trip (both ends) with paired ratios. It tells the
 * socket's share of the mTLS path's cost from the proxy's own, and whether a cipher suite
 * matters at this record size. Certificates: a throwaway ECDSA P-256 pair made with openssl.
 *
 *   taskset -c 0 node --import tsx bench/proxy/tls-socket.ts [--blocks 7] [--n 20000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { median } from '../lib/stats.ts';

const REQ = 'GET / HTTP/1.1\r\nhost: 127.0.0.1:4140\r\nweft-src: bench/client\r\n\r\n';
const RES = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\n\r\nhello world\n';
const SUITES = ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'];

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};

function throwawayCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'weft-tls-socket-'));
  try {
    const key = path.join(dir, 'k.pem');
    const cert = path.join(dir, 'c.pem');
    execFileSync('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-subj', '/CN=bench', '-days', '1', '-keyout', key, '-out', cert],
    ]);
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

function opened(make: (ready: () => void) => net.Socket): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = make(() => resolve(s));
  });
}

async function main(): Promise<void> {
  const blocks = arg('--blocks', 7);
  const n = arg('--n', 20_000);
  const answer = (s: net.Socket) => s.on('data', () => s.write(RES, 'latin1'));
  const tlsServer = tls.createServer({ ...throwawayCert(), minVersion: 'TLSv1.3' }, answer);
  const plainServer = net.createServer(answer);
  const tlsPort = await listen(tlsServer);
  const plainPort = await listen(plainServer);
  const conns = new Map<string, net.Socket>();
  conns.set('plain', await opened((ready) => net.connect(plainPort, '127.0.0.1', ready)));
  for (const suite of SUITES) {
    const opts = {
      port: tlsPort,
      host: '127.0.0.1',
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3' as const,
    };
    conns.set(suite, await opened((ready) => tls.connect({ ...opts, ciphers: suite }, ready)));
  }
  let left = 0;
  let done: () => void = () => {};
  for (const s of conns.values()) {
    s.setNoDelay(true);
    s.on('data', () => {
      if (--left > 0) s.write(REQ, 'latin1');
      else done();
    });
  }
  const block = (s: net.Socket) =>
    new Promise<void>((resolve) => {
      left = n;
      done = resolve;
      s.write(REQ, 'latin1');
    });
  const names = [...conns.keys()];
  const us = new Map(names.map((k) => [k, [] as number[]]));
  for (const s of conns.values()) await block(s); // warm-up
  for (let i = 0; i < blocks; i++) {
    for (const k of i % 2 ? [...names].reverse() : names) {
      const t0 = process.cpuUsage();
      await block(conns.get(k) as net.Socket);
      const t = process.cpuUsage(t0);
      us.get(k)?.push((t.user + t.system) / n);
    }
  }
  const base = us.get('TLS_AES_256_GCM_SHA384') as number[];
  const plain = us.get('plain') as number[];
  for (const k of names) {
    const v = us.get(k) as number[];
    const negotiated = k === 'plain' ? '' : ` (${(conns.get(k) as tls.TLSSocket).getCipher().name})`;
    const vsPlain = median(v.map((x, i) => x / (plain[i] as number))).toFixed(3);
    const vsAes256 = median(v.map((x, i) => x / (base[i] as number))).toFixed(3);
    process.stdout.write(
      `${k}${negotiated}: ${median(v).toFixed(2)} µs CPU per round trip (both ends), ` +
        `x${vsPlain} plain, x${vsAes256} AES-256; turns ${v.map((x) => x.toFixed(2)).join(' ')}\n`,
    );
  }
  for (const s of conns.values()) s.destroy();
  tlsServer.close();
  plainServer.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

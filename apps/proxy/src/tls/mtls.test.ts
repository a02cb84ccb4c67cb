import { createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnTarget } from '../detect/handoff.ts';
import type { Credentials } from '../identity/manager.ts';
import { IdentityMetrics } from '../identity/metrics.ts';
import { MtlsConnector } from './connector.ts';
import { meshTls } from './peer.ts';
import { MtlsServer } from './server.ts';
import { staticCredentials, testCa } from './test-ca.ts';

const SERVER_ID = 'web.demo.serviceaccount.identity.weft.cluster.local';
const CLIENT_ID = 'load.demo.serviceaccount.identity.weft.cluster.local';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

interface Inbound {
  port: number;
  metrics: IdentityMetrics;
  logs: string[];
  /** How each accepted connection was served: `detect <client id> <alpn>` or `opaque`. */
  served: string[];
}

/** An inbound listener whose TLS hook is an MtlsServer; plaintext after it is echoed upper-cased. */
async function inbound(creds: Credentials, sni = creds.identity, certified = true): Promise<Inbound> {
  const metrics = new IdentityMetrics();
  const logs: string[] = [];
  const served: string[] = [];
  const echo = (s: Socket) => {
    s.on('data', (d) => s.write(d.toString().toUpperCase()));
    s.on('error', () => {});
    s.resume();
  };
  const target = {
    authority: 'app:8080',
    ctx: {
      detect(s: Socket) {
        const info = meshTls(s);
        served.push(`detect ${info?.peerIdentity} ${info?.alpn}`);
        echo(s);
      },
      handlers: {
        serveOpaque(s: Socket, head: Buffer) {
          served.push(`opaque ${head.length > 0}`);
          s.on('error', () => {});
          s.destroy();
        },
      },
    },
  } as unknown as ConnTarget;
  const server = new MtlsServer({
    credentials: certified ? staticCredentials(creds) : { current: undefined, onUpdate: () => () => {} },
    identity: sni,
    metrics,
    log: (_l, m) => logs.push(m),
  });
  const net = createServer((s) => {
    s.pause();
    server.serveTls(s, Buffer.alloc(0), target);
  });
  servers.push(net);
  await new Promise<void>((r) => net.listen(0, '127.0.0.1', r));
  const port = (net.address() as { port: number }).port;
  return { port, metrics, logs, served };
}

function outbound(creds: Credentials) {
  const metrics = new IdentityMetrics();
  const logs: string[] = [];
  const connector = new MtlsConnector({
    credentials: staticCredentials(creds),
    metrics,
    log: (_l, m) => logs.push(m),
  });
  return { connector, metrics, logs };
}

/** Sends `msg` and resolves with the answer, or rejects with the socket's error. */
function roundTrip(s: Socket, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed without an answer')));
    s.write(msg);
  });
}

describe('mTLS between an outbound connector and an inbound terminator', () => {
  it('speaks TLS 1.3 with both identities known, and ALPN carried through', async () => {
    const ca = await testCa();
    const inb = await inbound(await ca.issue(SERVER_ID));
    const out = outbound(await ca.issue(CLIENT_ID));
    const target = {
      address: '127.0.0.1',
      port: inb.port,
      meshed: true,
      identity: SERVER_ID,
      alpn: 'http/1.1' as const,
    };
    expect(out.connector.secured(target)).toBe(true);
    const s = out.connector.connect(target, 'http/1.1');
    s.once('secureConnect', () => {
      expect((s as import('node:tls').TLSSocket).getProtocol()).toBe('TLSv1.3');
    });
    expect(await roundTrip(s, 'hello')).toBe('HELLO');
    expect(meshTls(s)).toEqual({ peerIdentity: SERVER_ID, alpn: 'http/1.1' });
    expect(inb.served).toEqual([`detect ${CLIENT_ID} http/1.1`]);
  });

  it('resumes the TLS session on a new connection to the same endpoint', async () => {
    const ca = await testCa();
    const inb = await inbound(await ca.issue(SERVER_ID));
    const out = outbound(await ca.issue(CLIENT_ID));
    const target = { address: '127.0.0.1', port: inb.port, meshed: true, identity: SERVER_ID };
    const reused: boolean[] = [];
    const open = () => {
      const s = out.connector.connect(target, 'http/1.1') as import('node:tls').TLSSocket;
      s.once('secureConnect', () => reused.push(s.isSessionReused()));
      return s;
    };
    expect(await roundTrip(open(), 'one')).toBe('ONE');
    await new Promise((r) => setTimeout(r, 20)); // the session ticket arrives after the handshake
    const second = open();
    expect(await roundTrip(second, 'two')).toBe('TWO');
    expect(reused).toEqual([false, true]);
    expect(meshTls(second)?.peerIdentity).toBe(SERVER_ID);
    expect(inb.served).toEqual([`detect ${CLIENT_ID} http/1.1`, `detect ${CLIENT_ID} http/1.1`]);
  });

  it('fails a meshed connection while it holds no certificate, rather than send plaintext', async () => {
    const out = new MtlsConnector({
      credentials: { current: undefined, onUpdate: () => () => {} },
      metrics: new IdentityMetrics(),
    });
    const s = out.connect({ address: '127.0.0.1', port: 1, meshed: true, identity: SERVER_ID });
    await expect(new Promise((_, reject) => s.once('error', reject))).rejects.toThrow(/no valid certificate/);
  });

  it('uses plain TCP to unmeshed endpoints', async () => {
    const ca = await testCa();
    const out = outbound(await ca.issue(CLIENT_ID));
    const target = { address: '127.0.0.1', port: 1, meshed: false, identity: undefined };
    expect(out.connector.secured(target)).toBe(false);
    const s = out.connector.connect(target);
    s.on('error', () => {});
    expect(meshTls(s)).toBeUndefined();
    expect('encrypted' in s).toBe(false);
    s.destroy();
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const inb = await inbound(await (await testCa('other')).issue(SERVER_ID));
    const out = outbound(await (await testCa()).issue(CLIENT_ID));
    const s = out.connector.connect({
      address: '127.0.0.1',
      port: inb.port,
      meshed: true,
      identity: SERVER_ID,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow();
    expect(out.metrics.rejectedCount('outbound', 'untrusted_ca')).toBe(1);
    expect(out.logs[0]).toMatch(
      new RegExp(`refused 127.0.0.1:${inb.port} \\(expected ${SERVER_ID}\\): untrusted_ca`),
    );
    // The server, in turn, refused the client it could not verify... or saw the client give up.
    await new Promise((r) => setTimeout(r, 50));
    expect(inb.served).toEqual([]);
  });

  it('refuses a server whose certificate has expired', async () => {
    const ca = await testCa();
    const inb = await inbound(
      await ca.issue(SERVER_ID, {
        notBefore: new Date(Date.now() - 7200_000),
        notAfter: new Date(Date.now() - 3600_000),
      }),
    );
    const out = outbound(await ca.issue(CLIENT_ID));
    const s = out.connector.connect({
      address: '127.0.0.1',
      port: inb.port,
      meshed: true,
      identity: SERVER_ID,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow(/expired/);
    expect(out.metrics.rejectedCount('outbound', 'expired')).toBe(1);
    expect(out.logs[0]).toMatch(/: expired: certificate has expired/);
  });

  it('refuses a server presenting another identity than the destination expects', async () => {
    const ca = await testCa();
    // A proxy of the same mesh answers for SERVER_ID's name but holds another identity.
    const inb = await inbound(
      await ca.issue('other.demo.serviceaccount.identity.weft.cluster.local'),
      SERVER_ID,
    );
    const out = outbound(await ca.issue(CLIENT_ID));
    const s = out.connector.connect({
      address: '127.0.0.1',
      port: inb.port,
      meshed: true,
      identity: SERVER_ID,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow(
      /peer presented identity other\.demo\.\S+, expected web\.demo/,
    );
    expect(out.metrics.rejectedCount('outbound', 'identity_mismatch')).toBe(1);
    expect(out.logs[0]).toMatch(/: identity_mismatch: peer presented identity other/);
  });

  it('refuses a client whose certificate comes from another CA, inbound', async () => {
    const ca = await testCa();
    const inb = await inbound(await ca.issue(SERVER_ID));
    const rogue = await (await testCa('rogue')).issue(CLIENT_ID);
    const s = tlsConnect({
      host: '127.0.0.1',
      port: inb.port,
      servername: SERVER_ID,
      cert: rogue.chainPem,
      key: rogue.keyPem,
      ca: ca.anchorPem,
      checkServerIdentity: () => undefined,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(inb.metrics.rejectedCount('inbound', 'untrusted_ca')).toBe(1);
    expect(inb.logs[0]).toMatch(/refused inbound TLS from 127\.0\.0\.1:\d+: untrusted_ca/);
    expect(inb.served).toEqual([]);
  });

  it('refuses a client that presents no certificate', async () => {
    const ca = await testCa();
    const inb = await inbound(await ca.issue(SERVER_ID));
    const s = tlsConnect({
      host: '127.0.0.1',
      port: inb.port,
      servername: SERVER_ID,
      ca: ca.anchorPem,
      checkServerIdentity: () => undefined,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(inb.metrics.rejectedCount('inbound', 'no_certificate')).toBe(1);
  });

  it('refuses mesh TLS while it holds no certificate, instead of passing it to the app', async () => {
    const ca = await testCa();
    const inb = await inbound(await ca.issue(SERVER_ID), SERVER_ID, false);
    const out = outbound(await ca.issue(CLIENT_ID));
    const s = out.connector.connect({
      address: '127.0.0.1',
      port: inb.port,
      meshed: true,
      identity: SERVER_ID,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow();
    expect(inb.served).toEqual([]);
    expect(inb.logs[0]).toMatch(/refused inbound TLS from 127\.0\.0\.1:\d+: handshake: no certificate yet/);
  });

  it('relays TLS not meant for this proxy (another SNI) untouched', async () => {
    const ca = await testCa();
    const inb = await inbound(await ca.issue(SERVER_ID));
    const s = tlsConnect({
      host: '127.0.0.1',
      port: inb.port,
      servername: 'example.com',
      rejectUnauthorized: false,
    });
    await expect(roundTrip(s, 'x')).rejects.toThrow();
    expect(inb.served).toEqual(['opaque true']);
  });
});

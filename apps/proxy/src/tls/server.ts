/**
 * The inbound side of mTLS: the detection layer's `serveTls` hook. Reads the whole
 * ClientHello; TLS whose SNI is a mesh identity (normally this proxy's) is terminated (TLS 1.3, client
 * certificate required and verified against the trust anchors), the client's identity is
 * recorded on the socket, and the plaintext goes on to protocol detection (or straight to
 * the opaque relay when ALPN says `weft.dev/opaque`). Any other TLS (the application's
 * own) is relayed untouched. Refused clients are logged and counted.
 */
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { MeshAlpn, parseMeshIdentity, TlsRejectReason } from '@weft/shared';
import type { ConnTarget } from '../detect/handoff.ts';
import type { Credentials } from '../identity/manager.ts';
import type { IdentityMetrics } from '../identity/metrics.ts';
import { firstRecordLength, readSni } from './client-hello.ts';
import type { CredentialSource, TlsLog } from './connector.ts';
import { rejectReason, sanDnsNames, setMeshTls } from './peer.ts';

export interface MtlsServerOptions {
  credentials: CredentialSource;
  /** This proxy's identity: the SNI meshed clients send. */
  identity: string;
  metrics: IdentityMetrics;
  log?: TlsLog;
  /** Bound on reading the ClientHello and on the handshake (default 10 s). */
  handshakeTimeoutMs?: number;
}

/** ALPN protocols the inbound side accepts, in its order of preference. */
const ALPN = [MeshAlpn.h2, MeshAlpn.http1, MeshAlpn.opaque];
const MAX_HELLO = 16_384 + 5;
const EMPTY = Buffer.alloc(0);

const kHello = Symbol('weft.hello');
interface Hello {
  server: MtlsServer;
  target: ConnTarget;
  buf: Buffer;
  timer: NodeJS.Timeout;
}
type HelloSocket = Socket & { [kHello]?: Hello };

const kTerm = Symbol('weft.term');
/** A connection being terminated, kept on the raw socket until the handshake ends. */
interface Term {
  server: MtlsServer;
  target: ConnTarget;
  peer: string;
  timer: NodeJS.Timeout;
}
type TermRaw = Socket & { [kTerm]?: Term };

const defaultLog: TlsLog = (level, m) =>
  level === 'warn' ? console.warn(`tls: ${m}`) : console.info(`tls: ${m}`);

export class MtlsServer {
  readonly opts: MtlsServerOptions;
  readonly log: TlsLog;

  #server: Server | undefined;
  #serverCreds: Credentials | undefined;

  constructor(opts: MtlsServerOptions) {
    this.opts = opts;
    this.log = opts.log ?? defaultLog;
  }

  /**
   * The TLS server (never listening: connections are handed to it) for the current
   * credentials; undefined while none are held. A new certificate swaps its context.
   */
  tlsServer(): Server | undefined {
    const creds = this.opts.credentials.current;
    if (!creds) return undefined;
    const options = {
      key: creds.keyPem,
      cert: creds.chainPem,
      ca: creds.trustAnchorsPem,
      minVersion: 'TLSv1.3' as const,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ALPN,
    };
    if (!this.#server) {
      this.#server = createServer(options);
      this.#server.on('secureConnection', onSecureConnection);
      this.#server.on('tlsClientError', onClientError);
    } else if (this.#serverCreds !== creds) {
      this.#server.setSecureContext(options);
    }
    this.#serverCreds = creds;
    return this.#server;
  }

  /** The `ProtocolHandlers.serveTls` hook: `socket` arrives paused, `head` holds the sniffed bytes. */
  readonly serveTls = (socket: Socket, head: Buffer, target: ConnTarget): void => {
    const len = firstRecordLength(head);
    if (len !== undefined && head.length >= len) {
      route(this, socket, head, target);
      return;
    }
    const h: Hello = {
      server: this,
      target,
      buf: head,
      timer: setTimeout(onHelloTimeout, this.opts.handshakeTimeoutMs ?? 10_000, socket),
    };
    (socket as HelloSocket)[kHello] = h;
    socket.on('data', onHelloData);
    socket.on('error', onHelloError);
    socket.on('end', onHelloEnd);
    socket.resume();
  };

  /** @internal */
  refuse(peer: string, reason: TlsRejectReason, detail: string): void {
    this.opts.metrics.rejected('inbound', reason);
    this.log('warn', `refused inbound TLS from ${peer}: ${reason}: ${detail}`);
  }
}

function onHelloData(this: HelloSocket, chunk: Buffer): void {
  const h = this[kHello];
  if (!h) return;
  h.buf = Buffer.concat([h.buf, chunk]);
  const len = firstRecordLength(h.buf);
  if (len === undefined || h.buf.length < len) {
    if (h.buf.length > MAX_HELLO) finishHello(this, h, true);
    return;
  }
  finishHello(this, h, false);
}

function onHelloTimeout(socket: HelloSocket): void {
  const h = socket[kHello];
  if (h) finishHello(socket, h, true);
}

function onHelloError(this: HelloSocket): void {
  const h = this[kHello];
  if (h) clearTimeout(h.timer);
  this[kHello] = undefined;
  this.destroy();
}

function onHelloEnd(this: HelloSocket): void {
  const h = this[kHello];
  if (h) finishHello(this, h, true);
}

function finishHello(socket: HelloSocket, h: Hello, incomplete: boolean): void {
  clearTimeout(h.timer);
  socket[kHello] = undefined;
  socket.pause();
  socket.removeListener('data', onHelloData);
  socket.removeListener('error', onHelloError);
  socket.removeListener('end', onHelloEnd);
  if (incomplete) h.target.ctx.handlers.serveOpaque(socket, h.buf, h.target);
  else route(h.server, socket, h.buf, h.target);
}

/** Terminates TLS meant for this proxy; relays any other TLS as opaque bytes. */
function route(server: MtlsServer, socket: Socket, hello: Buffer, target: ConnTarget): void {
  const tlsServer = server.tlsServer();
  const sni = readSni(hello);
  // Mesh TLS names a mesh identity: terminate it even when it is not ours, so that a
  // client sent here by mistake learns that this proxy is someone else (and says so).
  const mesh = sni !== undefined && (sni === server.opts.identity || parseMeshIdentity(sni) !== undefined);
  if (!mesh) {
    target.ctx.handlers.serveOpaque(socket, hello, target);
    return;
  }
  if (tlsServer === undefined) {
    // Mesh TLS must not reach the app as bytes it cannot read: refuse until certified.
    server.refuse(
      `${socket.remoteAddress}:${socket.remotePort}`,
      TlsRejectReason.handshake,
      'no certificate yet',
    );
    socket.destroy();
    return;
  }
  (socket as TermRaw)[kTerm] = {
    server,
    target,
    peer: `${socket.remoteAddress}:${socket.remotePort}`,
    timer: setTimeout(onTermTimeout, server.opts.handshakeTimeoutMs ?? 10_000, socket),
  };
  // The TLS socket replays what the raw socket already holds before reading more.
  socket.unshift(hello);
  tlsServer.emit('connection', socket);
}

function termOf(tls: TLSSocket): Term | undefined {
  const raw =
    (tls as TLSSocket & { _parent?: Socket })._parent ?? (tls as unknown as { socket?: Socket }).socket;
  return raw ? (raw as TermRaw)[kTerm] : undefined;
}

function onSecureConnection(this: Server, tls: TLSSocket): void {
  const t = termOf(tls);
  if (!t) {
    tls.destroy();
    return;
  }
  clearTimeout(t.timer);
  if (!tls.authorized) {
    const code = tls.authorizationError ? String(tls.authorizationError) : '';
    const hasCert = Boolean(tls.getPeerCertificate()?.raw);
    t.server.refuse(
      t.peer,
      hasCert ? rejectReason(code) : TlsRejectReason.noCertificate,
      code || 'no client certificate',
    );
    tls.destroy();
    return;
  }
  const client = sanDnsNames(tls.getPeerCertificate())[0];
  if (!client) {
    t.server.refuse(t.peer, TlsRejectReason.identityMismatch, 'client certificate names no identity');
    tls.destroy();
    return;
  }
  setMeshTls(tls, { peerIdentity: client, alpn: tls.alpnProtocol ?? false });
  tls.pause();
  if (tls.alpnProtocol === MeshAlpn.opaque) t.target.ctx.handlers.serveOpaque(tls, EMPTY, t.target);
  else t.target.ctx.detect(tls, EMPTY, t.target);
}

function onClientError(this: Server, err: Error & { code?: string }, tls: TLSSocket): void {
  const t = termOf(tls);
  if (t) {
    clearTimeout(t.timer);
    t.server.refuse(t.peer, rejectReason(err.code), err.message);
  }
  tls.destroy();
}

function onTermTimeout(socket: TermRaw): void {
  const t = socket[kTerm];
  if (t) t.server.refuse(t.peer, TlsRejectReason.handshake, 'handshake timed out');
  socket.destroy();
}

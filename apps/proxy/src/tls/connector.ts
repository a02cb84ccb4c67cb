/**
 * The outbound side of mTLS: a `Connector` that opens TLS 1.3 to endpoints the
 * destination says are meshed, presenting this proxy's certificate and verifying the
 * peer's against the trust anchors AND the identity the destination expects. Other
 * endpoints get plain TCP; a meshed one never does (without a valid certificate the
 * connection fails). TLS sessions are
 * cached per endpoint and identity so reconnects resume instead of a full handshake.
 * Reads honour the caller's `ReadInto` (Node's `onread` works on a TLS socket it opens).
 * Refused peers are logged once per connection and counted in `tls_rejected_total`; a
 * handshake that fails is a connect failure (marked on the error), which callers retry.
 */
import { Socket } from 'node:net';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { MeshAlpn } from '@weft/shared';
import type { Credentials } from '../identity/manager.ts';
import type { IdentityMetrics } from '../identity/metrics.ts';
import {
  type Connector,
  type ConnectTarget,
  markConnectFailure,
  type ReadInto,
  TcpConnector,
} from '../transport/connector.ts';
import { IDENTITY_MISMATCH_CODE, rejectReason, sanDnsNames, setMeshTls } from './peer.ts';

/** Where the connector gets the current credentials (the identity manager). */
export interface CredentialSource {
  readonly current: Credentials | undefined;
  onUpdate(fn: (c: Credentials) => void): () => void;
}

export type TlsLog = (level: 'warn' | 'info', message: string) => void;

export interface MtlsConnectorOptions {
  credentials: CredentialSource;
  metrics: IdentityMetrics;
  log?: TlsLog;
  /** Bound on the TLS handshake after TCP connects (default 10 s). */
  handshakeTimeoutMs?: number;
}

const MAX_SESSIONS = 1024;

const kState = Symbol('weft.mtls');
interface ConnState {
  connector: MtlsConnector;
  target: ConnectTarget;
  key: string;
  timer: NodeJS.Timeout | null;
  secure: boolean;
}
type MtlsSocket = TLSSocket & { [kState]: ConnState };

const defaultLog: TlsLog = (level, m) =>
  level === 'warn' ? console.warn(`tls: ${m}`) : console.info(`tls: ${m}`);

/** A checkServerIdentity that accepts exactly the identity expected for the endpoint. */
function expectIdentity(expected: string) {
  return (_host: string, cert: PeerCertificate): Error | undefined => {
    const names = sanDnsNames(cert);
    if (names.includes(expected)) return undefined;
    const err = new Error(
      `peer presented identity ${names.length ? names.join(', ') : '(none)'}, expected ${expected}`,
    ) as Error & { code: string };
    err.code = IDENTITY_MISMATCH_CODE;
    return err;
  };
}

export class MtlsConnector implements Connector {
  readonly #opts: MtlsConnectorOptions;
  readonly #log: TlsLog;
  /** TLS sessions by `address:port/identity`, for resumption. */
  readonly #sessions = new Map<string, Buffer>();
  /** Plain TCP, for endpoints without a proxy. */
  readonly #tcp = new TcpConnector();
  readonly #renewals = new Set<() => void>();
  /** Certificates taken since the start (see `Connector.epoch`). */
  epoch = 0;

  constructor(opts: MtlsConnectorOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? defaultLog;
    // A new certificate makes cached sessions (made with the old one) stale, and the
    // pools retire the connections opened with it.
    opts.credentials.onUpdate(() => {
      this.#sessions.clear();
      this.epoch++;
      for (const fn of this.#renewals) fn();
    });
  }

  onRenewal(fn: () => void): () => void {
    this.#renewals.add(fn);
    return () => this.#renewals.delete(fn);
  }

  secured(target: ConnectTarget): boolean {
    return target.meshed && target.identity !== undefined;
  }

  connect(target: ConnectTarget, alpn?: MeshAlpn, read?: ReadInto): Socket {
    if (!target.meshed || target.identity === undefined) return this.#tcp.connect(target, alpn, read);
    const creds = this.#opts.credentials.current;
    if (creds === undefined) {
      // Never fall back to plaintext towards a meshed peer: without a certificate, fail.
      const s = new Socket();
      const err = Object.assign(
        new Error('no valid certificate yet: cannot open mTLS to a meshed endpoint'),
        {
          code: 'ECONNREFUSED',
        },
      );
      process.nextTick(() => s.destroy(err));
      return s;
    }
    const key = `${target.address}:${target.port}/${target.identity}`;
    const session = this.#sessions.get(key);
    const socket = tlsConnect({
      host: target.address,
      port: target.port,
      secureContext: creds.context,
      servername: target.identity,
      minVersion: 'TLSv1.3' as const,
      rejectUnauthorized: true,
      checkServerIdentity: expectIdentity(target.identity),
      ...(alpn ? { ALPNProtocols: [alpn] } : {}),
      ...(session ? { session } : {}),
      // Decrypted reads land in the caller's buffer, as over plain TCP (no allocation per read).
      ...(read
        ? { onread: read as unknown as { buffer: () => Buffer; callback: (n: number, b: Buffer) => boolean } }
        : {}),
    }) as MtlsSocket;
    socket.setNoDelay(true);
    const state: ConnState = { connector: this, target, key, timer: null, secure: false };
    socket[kState] = state;
    state.timer = setTimeout(onHandshakeTimeout, this.#opts.handshakeTimeoutMs ?? 10_000, socket);
    socket.once('secureConnect', onSecureConnect);
    socket.on('session', onSession);
    socket.once('error', onHandshakeError);
    socket.once('close', onClose);
    return socket;
  }

  /** @internal a handshake failed: log and count it. */
  rejected(state: ConnState, err: Error & { code?: string }): void {
    const reason = rejectReason(err.code);
    this.#opts.metrics.rejected('outbound', reason);
    this.#sessions.delete(state.key);
    this.#log(
      'warn',
      `refused ${state.target.address}:${state.target.port} (expected ${state.target.identity}): ${reason}: ${err.message}`,
    );
  }

  /** @internal */
  storeSession(key: string, session: Buffer): void {
    if (this.#sessions.size >= MAX_SESSIONS && !this.#sessions.has(key)) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    this.#sessions.set(key, session);
  }
}

function onSecureConnect(this: MtlsSocket): void {
  const s = this[kState];
  s.secure = true;
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  setMeshTls(this, { peerIdentity: s.target.identity as string, alpn: this.alpnProtocol ?? false });
}

function onSession(this: MtlsSocket, session: Buffer): void {
  const s = this[kState];
  s.connector.storeSession(s.key, session);
}

function onHandshakeError(this: MtlsSocket, err: Error & { code?: string }): void {
  const s = this[kState];
  if (s.secure) return;
  // Before the handshake completes nothing was sent: the caller may retry elsewhere.
  markConnectFailure(err);
  s.connector.rejected(s, err);
}

function onHandshakeTimeout(socket: MtlsSocket): void {
  const s = socket[kState];
  s.timer = null;
  if (!s.secure) socket.destroy(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' }));
}

function onClose(this: MtlsSocket): void {
  const s = this[kState];
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
}

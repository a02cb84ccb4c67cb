/**
 * Test harness for the protocol servers (h2, tcp, tunnel): a loopback listener that runs
 * the proxy's real protocol detection and hands connections to the real handlers, with a
 * static, round-robin `Concrete` and counting metric handles. Its HTTP/1 side only knows
 * CONNECT and Upgrade (the full HTTP/1 path belongs to the proxy core).
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Endpoint } from '@weft/shared';
import type { BalancedEndpoint, Concrete } from '../src/balance/types.ts';
import type { ConnTarget, Http1Head, ProxyContext } from '../src/detect/handoff.ts';
import { detectProtocol } from '../src/detect/index.ts';
import type { HttpMetrics, TargetMetrics, TcpMetrics } from '../src/metrics/handles.ts';
import { TcpConnector } from '../src/transport/connector.ts';
import { createProtocolServers, type ProtocolServers } from '../src/tunnel/index.ts';

/** What one endpoint's metric handles were told. */
export class CountingMetrics implements TargetMetrics, HttpMetrics, TcpMetrics {
  requests = 0;
  responses: { status: number; failure: boolean }[] = [];
  opens = 0;
  closes = 0;
  readBytes = 0;
  writeBytes = 0;
  readonly http = this;
  readonly tcp = this;
  request(): void {
    this.requests++;
  }
  response(status: number, _latencyMs: number, failure: boolean): void {
    this.responses.push({ status, failure });
  }
  open(): void {
    this.opens++;
  }
  close(socket: Socket): void {
    this.closes++;
    this.readBytes += socket.bytesRead;
    this.writeBytes += socket.bytesWritten;
  }
}

export class FakeEndpoint implements BalancedEndpoint {
  readonly meshed = false;
  readonly identity = undefined;
  readonly removed = false;
  readonly metrics = new CountingMetrics();
  readonly meta: Endpoint;
  inFlight = 0;
  picked = 0;
  constructor(
    readonly address: string,
    readonly port: number,
  ) {
    this.meta = { address, port, pod: `pod-${port}`, workload: 'upstream', namespace: 'test', meshed: false };
  }
  begin(): number {
    this.inFlight++;
    this.picked++;
    return performance.now();
  }
  end(_start: number): void {
    this.inFlight--;
  }
}

/** Round-robin over fixed endpoints; an empty list resolves to "no endpoints". */
export class FakeConcrete implements Concrete {
  retained = 0;
  #next = 0;
  constructor(
    readonly authority: string,
    readonly endpoints: FakeEndpoint[],
  ) {}
  whenReady(cb: (err: Error | null) => void): void {
    cb(null);
  }
  pick(): BalancedEndpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    const e = this.endpoints[this.#next++ % this.endpoints.length];
    return e;
  }
  retain(): void {
    this.retained++;
  }
  release(): void {
    this.retained--;
  }
}

export interface Harness {
  readonly port: number;
  readonly servers: ProtocolServers;
  /** The target an authority resolves to (created on first use). */
  concrete(authority: string): FakeConcrete;
  close(): Promise<void>;
}

/**
 * Starts the harness. `destinations` maps authorities to upstream ports on 127.0.0.1.
 * `fixed`, when set, makes every accepted connection go to that authority (an inbound
 * listener); otherwise it is an explicit-proxy listener (CONNECT names the authority).
 */
export async function startHarness(
  destinations: Record<string, number[]>,
  options: { fixed?: string; detectMs?: number } = {},
): Promise<Harness> {
  const concretes = new Map<string, FakeConcrete>();
  const targets = new Map<string, ConnTarget>();
  const servers = createProtocolServers(new TcpConnector(), {
    tcp: { connectTimeoutMs: 2_000, idleTimeoutMs: 10_000 },
  });
  const detectMs = options.detectMs ?? 300;
  const ctx: ProxyContext = {
    direction: 'outbound',
    connector: new TcpConnector(),
    handlers: servers,
    target(authority: string): ConnTarget {
      let t = targets.get(authority);
      if (t === undefined) {
        const ports = destinations[authority] ?? [];
        const c = new FakeConcrete(
          authority,
          ports.map((p) => new FakeEndpoint('127.0.0.1', p)),
        );
        concretes.set(authority, c);
        t = { ctx, authority, concrete: c };
        targets.set(authority, t);
      }
      return t;
    },
    detect(socket: Socket, head: Buffer, target: ConnTarget | null): void {
      detectProtocol(socket, head, ctx, target, detectMs, serveHttp1);
    },
    inboundMetrics(): TargetMetrics {
      return new CountingMetrics();
    },
    draining: false,
  };
  const sockets = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const fixed = options.fixed;
    ctx.detect(socket, Buffer.alloc(0), fixed === undefined ? null : ctx.target(fixed));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    servers,
    concrete(authority: string): FakeConcrete {
      ctx.target(authority);
      return concretes.get(authority) as FakeConcrete;
    },
    async close(): Promise<void> {
      servers.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Just enough HTTP/1 for CONNECT and Upgrade requests; anything else gets a 501. */
function serveHttp1(socket: Socket, head: Buffer, ctx: ProxyContext, target: ConnTarget | null): void {
  let buf = head;
  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    tryHead();
  };
  const tryHead = (): void => {
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    socket.removeListener('data', onData);
    socket.pause();
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    const [method = '', uri = ''] = (lines[0] ?? '').split(' ');
    const headers: string[] = [];
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      headers.push(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const req: Http1Head = { method, target: uri, headers, raw: buf.subarray(0, end + 4) };
    const rest = buf.subarray(end + 4);
    if (method === 'CONNECT') {
      ctx.handlers.serveConnect(socket, req, rest, ctx);
      return;
    }
    const upgrade = headers.indexOf('upgrade');
    if (upgrade >= 0 && upgrade % 2 === 0) {
      const host = headers[headers.indexOf('host') + 1] ?? '';
      ctx.handlers.serveUpgrade(socket, req, rest, target ?? ctx.target(host));
      return;
    }
    socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  };
  socket.on('data', onData);
  socket.resume();
  tryHead();
}

/**
 * Listeners: accept connections, count them (`tcp_*` with peer="src"), keep them for a
 * forced close at the end of a drain, and hand each to the stack's accept function.
 * Each listener caps the connections it keeps open, in total and per source address:
 * beyond either cap a new connection is closed at once, before any byte is read, and
 * counted in `tcp_accept_refused_total`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { HostPort } from '../env.ts';
import type { TcpMetrics } from '../metrics/handles.ts';
import type { RefusedCount } from '../metrics/refused.ts';

export type Accept = (socket: Socket) => void;

/** Connection caps of one listener, and the counters of what they turned away. */
export interface ListenerCaps {
  readonly total: number;
  readonly perSource: number;
  readonly refusedTotal: RefusedCount;
  readonly refusedPerSource: RefusedCount;
}

const kListener = Symbol('weft.listener');
const kSource = Symbol('weft.listener.source');
type Accepted = Socket & { [kListener]: Listener; [kSource]: string };

/** A listening server and the sockets it accepted that are still open. */
export class Listener {
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  /** Open connections per source address (only addresses with one or more). */
  private readonly bySource = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly accept: Accept,
    private readonly tcp: TcpMetrics,
    private readonly caps: ListenerCaps,
  ) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    (this.server as Server & { [kListener]: Listener })[kListener] = this;
  }

  /** Starts listening; resolves with the bound address. */
  listen(at: HostPort): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: at.host, port: at.port, backlog: 1024 }, () => {
        this.server.removeListener('error', onError);
        this.server.on('error', () => {});
        const a = this.server.address();
        resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : at);
      });
    });
  }

  /** Stops accepting (open connections stay). */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
      // close() waits for connections; resolve once no longer listening
      setImmediate(resolve);
    });
  }

  /** Destroys every accepted connection still open. */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  handle(socket: Socket): void {
    const caps = this.caps;
    if (this.sockets.size >= caps.total) {
      caps.refusedTotal.n++;
      socket.destroy();
      return;
    }
    const source = socket.remoteAddress ?? '';
    const n = this.bySource.get(source) ?? 0;
    if (n >= caps.perSource) {
      caps.refusedPerSource.n++;
      socket.destroy();
      return;
    }
    this.bySource.set(source, n + 1);
    this.sockets.add(socket);
    this.tcp.open(socket);
    const a = socket as Accepted;
    a[kListener] = this;
    a[kSource] = source;
    socket.on('close', onAcceptedClose);
    try {
      this.accept(socket);
    } catch {
      socket.destroy();
    }
  }

  closed(socket: Socket): void {
    this.sockets.delete(socket);
    this.tcp.close(socket);
    const source = (socket as Accepted)[kSource];
    const n = (this.bySource.get(source) ?? 1) - 1;
    if (n > 0) this.bySource.set(source, n);
    else this.bySource.delete(source);
  }
}

function onConnection(this: Server & { [kListener]: Listener }, socket: Socket): void {
  this[kListener].handle(socket);
}

function onAcceptedClose(this: Accepted): void {
  this[kListener].closed(this);
}

/**
 * Listeners: accept connections, count them (`tcp_*` with peer="src"), keep them for a
 * forced close at the end of a drain, and hand each to the stack's accept function.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { HostPort } from '../env.ts';
import type { TcpMetrics } from '../metrics/handles.ts';

export type Accept = (socket: Socket) => void;

const kListener = Symbol('weft.listener');

/** A listening server and the sockets it accepted that are still open. */
export class Listener {
  readonly server: Server;
  readonly sockets = new Set<Socket>();

  constructor(
    readonly name: string,
    private readonly accept: Accept,
    private readonly tcp: TcpMetrics,
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
    this.sockets.add(socket);
    this.tcp.open(socket);
    (socket as Socket & { [kListener]: Listener })[kListener] = this;
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
  }
}

function onConnection(this: Server & { [kListener]: Listener }, socket: Socket): void {
  this[kListener].handle(socket);
}

function onAcceptedClose(this: Socket & { [kListener]: Listener }): void {
  this[kListener].closed(this);
}

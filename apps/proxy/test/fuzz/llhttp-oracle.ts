/**
 * llhttp, Node's own HTTP/1 parser, as an oracle for the fuzz test, through public API
 * only: an `http.Server` is handed an in-memory Duplex as a connection (the documented
 * way to inject one) and the raw bytes; what it makes of them (a request head, a
 * complete body, a client error) is the verdict. No socket, so each case is cheap.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';

export interface LlhttpVerdict {
  /** llhttp accepted a request head (the `request` event). */
  head: boolean;
  /** The request's body was read to its end. */
  complete: boolean;
  /** llhttp refused the bytes (`clientError`, or an error on the request). */
  error: string | undefined;
}

/** A connection that swallows what the server writes. */
class Sink extends Duplex {
  override _read(): void {}
  override _write(_chunk: unknown, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    cb();
  }
}

export class LlhttpOracle {
  readonly #server = createServer({ requireHostHeader: false });
  #current: LlhttpVerdict = { head: false, complete: false, error: undefined };
  /** The connection's first request (only the first message is judged). */
  #first: IncomingMessage | undefined;

  constructor() {
    this.#server.on('request', (req: IncomingMessage) => {
      const v = this.#current;
      if (this.#first !== undefined) return;
      this.#first = req;
      v.head = true;
      req.on('end', () => {
        v.complete = true;
      });
      req.on('error', (err) => {
        if (!req.complete) v.error ??= (err as NodeJS.ErrnoException).code ?? err.message;
      });
      req.resume();
    });
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      // An error after the first message is complete is about the bytes that follow it.
      if (this.#first?.complete !== true) this.#current.error ??= err.code ?? err.message;
      socket.destroy();
    });
  }

  /** What llhttp makes of `bytes` as the start of a connection (no end of stream follows). */
  async judge(bytes: Buffer): Promise<LlhttpVerdict> {
    const v: LlhttpVerdict = { head: false, complete: false, error: undefined };
    this.#current = v;
    this.#first = undefined;
    const conn = new Sink();
    this.#server.emit('connection', conn);
    conn.push(bytes);
    // Parsing happens on the stream's next ticks; a few turns of the loop see it through.
    for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
    conn.destroy();
    // llhttp marks a request complete as it parses its end (before `end` is emitted).
    const first = this.#first as IncomingMessage | undefined;
    if (first?.complete === true) v.complete = true;
    return v;
  }
}

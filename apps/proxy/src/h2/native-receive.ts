/**
 * Feeding bytes already read (protocol detection's prefix) straight to a new server
 * session's native HTTP/2 parser, so they cannot be overtaken (see below).
 */
import type { ServerHttp2Session } from 'node:http2';

/**
 * The native session handle's `receive(buf)`, which feeds bytes to the HTTP/2 parser.
 * Node's session reads the socket's handle natively from the moment it is created and
 * replays bytes buffered in the JS socket only on the next tick, so bytes that arrive in
 * between would overtake the preface detection already read (nodejs/node#35475). Feeding
 * the prefix synchronously, before the event loop can deliver anything, keeps the order.
 */
export type NativeReceiver = { receive(buf: Buffer): void };
let handleSymbol: symbol | undefined | null = null;

export function nativeReceiver(session: ServerHttp2Session): NativeReceiver | undefined {
  if (handleSymbol === null) {
    handleSymbol = Object.getOwnPropertySymbols(session).find((s) => s.description === 'kHandle');
  }
  if (handleSymbol === undefined) return undefined;
  const handle = (session as unknown as Record<symbol, NativeReceiver | undefined>)[handleSymbol];
  return typeof handle?.receive === 'function' ? handle : undefined;
}

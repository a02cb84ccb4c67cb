/**
 * Protocol detection from a connection's first bytes: HTTP/1.x, HTTP/2 prior knowledge
 * (the h2c preface), a TLS ClientHello, or not enough bytes yet to tell. Pure and cheap.
 */

/** What a connection speaks, as far as the proxy can tell. */
export enum Protocol {
  Http1 = 'http1',
  H2 = 'h2',
  Tls = 'tls',
  Opaque = 'opaque',
}

/** The HTTP/2 connection preface (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** The longest prefix `sniff` may need before it can decide. */
export const SNIFF_MAX = H2_PREFACE.length;

const SPACE = 0x20;

/**
 * Decides the protocol from the bytes read so far, or returns `undefined` when more
 * bytes are needed to tell (only while `buf` is shorter than {@link SNIFF_MAX}).
 */
export function sniff(buf: Buffer): Protocol | undefined {
  const n = buf.length;
  if (n === 0) return undefined;
  const b0 = buf[0] as number;
  // TLS record: handshake (22), version 3.x.
  if (b0 === 0x16) {
    if (n < 3) return undefined;
    return buf[1] === 0x03 && (buf[2] as number) <= 0x04 ? Protocol.Tls : Protocol.Opaque;
  }
  // h2c prior knowledge: the full preface, or a prefix of it.
  if (b0 === 0x50 /* P */) {
    const m = Math.min(n, H2_PREFACE.length);
    if (buf.compare(H2_PREFACE, 0, m, 0, m) === 0) {
      return m === H2_PREFACE.length ? Protocol.H2 : undefined;
    }
  }
  // HTTP/1: a method token (1-16 upper-case letters) then a space.
  for (let i = 0; i < n && i < 17; i++) {
    const c = buf[i] as number;
    if (c === SPACE) return i > 0 ? Protocol.Http1 : Protocol.Opaque;
    if (c < 0x41 || c > 0x5a) return Protocol.Opaque;
  }
  return n < 17 ? undefined : Protocol.Opaque;
}

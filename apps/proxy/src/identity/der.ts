/**
 * Just enough DER (ASN.1's distinguished encoding) for the proxy's identity: writing the
 * few types of a PKCS#10 certificate signing request. Node's crypto does the keys,
 * signatures and certificate parsing; this keeps a general X.509 library out of every
 * proxy's memory.
 */

/** One DER element: tag byte, definite length, contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = [0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]) => tlv(0x31, ...items);
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const octetString = (b: Uint8Array) => tlv(0x04, b);
/** A BIT STRING of whole bytes. */
export const bitString = (b: Uint8Array) => tlv(0x03, Buffer.from([0]), b);
/** A small non-negative INTEGER (< 128). */
export const smallInteger = (v: number) => tlv(0x02, Buffer.from([v]));
/** Context-specific tag `n`: constructed (`[n]` around elements) or primitive (IMPLICIT). */
export const contextTag = (n: number, constructed: boolean, ...contents: Uint8Array[]) =>
  tlv(0x80 | (constructed ? 0x20 : 0) | n, ...contents);

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const group = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) group.unshift(0x80 | (v & 0x7f));
    bytes.push(...group);
  }
  return tlv(0x06, Buffer.from(bytes));
}

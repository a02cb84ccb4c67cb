/**
 * Reads the server name (SNI) from a TLS ClientHello, so that the inbound proxy
 * terminates only the TLS meant for it (SNI = its own identity) and relays any other TLS
 * (the application's own) untouched, as Linkerd does. Pure and bounded.
 *
 *   record:    type(1)=22 version(2) length(2) | handshake...
 *   handshake: type(1)=1 length(3) version(2) random(32) session_id(1+n)
 *              cipher_suites(2+n) compression(1+n) extensions(2+n)
 *   extension: type(2) length(2) data; server_name (type 0): list(2) name_type(1)=0 len(2) name
 */

/** Bytes of the first TLS record, header included, once its length is known. */
export function firstRecordLength(buf: Buffer): number | undefined {
  if (buf.length < 5) return undefined;
  return 5 + buf.readUInt16BE(3);
}

/**
 * The SNI of the ClientHello in `buf` (which must hold the whole first record); undefined
 * when there is none or the bytes are not a ClientHello.
 */
export function readSni(buf: Buffer): string | undefined {
  const end = firstRecordLength(buf);
  if (end === undefined || buf.length < end || buf[0] !== 22 || buf[5] !== 1) return undefined;
  let p = 5 + 4 + 2 + 32; // record header, handshake header, version, random
  if (p + 1 > end) return undefined;
  p += 1 + (buf[p] as number); // session id
  if (p + 2 > end) return undefined;
  p += 2 + buf.readUInt16BE(p); // cipher suites
  if (p + 1 > end) return undefined;
  p += 1 + (buf[p] as number); // compression methods
  if (p + 2 > end) return undefined;
  const extEnd = Math.min(end, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    p += 4;
    if (type === 0 && p + 5 <= extEnd) {
      const nameLen = buf.readUInt16BE(p + 3);
      if (buf[p + 2] !== 0 || p + 5 + nameLen > extEnd) return undefined;
      return buf.toString('ascii', p + 5, p + 5 + nameLen);
    }
    p += len;
  }
  return undefined;
}

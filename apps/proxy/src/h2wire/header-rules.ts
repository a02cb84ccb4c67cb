/**
 * The field rules of RFC 9113 section 8.2-8.3 a relay must enforce before passing a header
 * block on (a message breaking them is malformed: its stream is reset with PROTOCOL_ERROR):
 * names in lowercase without separators or controls, no connection-specific fields, `te`
 * only as "trailers", pseudo-header fields first, known, once each, and the ones each kind
 * of block needs; trailers carry none. Values must not hold NUL, CR or LF.
 */

/** What kind of header block is being checked. */
export const REQUEST = 0;
export const RESPONSE = 1;
export const TRAILERS = 2;

const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Why a block is malformed, or null when it is well formed. `fields`: name, value, ... */
export function malformed(fields: readonly string[], kind: number): string | null {
  let pseudoDone = false;
  let method = '';
  let seen = 0; // bits: 1 :method, 2 :scheme, 4 :path, 8 :authority, 16 :status, 32 :protocol
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    if (name.length === 0) return 'empty field name';
    for (let k = 0; k < value.length; k++) {
      const c = value.charCodeAt(k);
      if (c === 0 || c === 10 || c === 13) return `control character in ${name}`;
    }
    if (name.charCodeAt(0) === 58 /* : */) {
      if (pseudoDone || kind === TRAILERS) return `pseudo-header ${name} out of place`;
      const bit = pseudoBit(name, kind);
      if (bit === 0) return `unknown pseudo-header ${name}`;
      if ((seen & bit) !== 0) return `${name} twice`;
      seen |= bit;
      if (bit === 1) method = value;
      continue;
    }
    pseudoDone = true;
    for (let k = 0; k < name.length; k++) {
      const c = name.charCodeAt(k);
      if ((c >= 65 && c <= 90) || c <= 32 || c === 58 || c >= 127)
        return `bad character in field name ${name}`;
    }
    if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field ${name}`;
    if (name === 'te' && value !== 'trailers') return 'te other than trailers';
  }
  if (kind === RESPONSE && (seen & 16) === 0) return 'response without :status';
  if (kind === REQUEST) {
    if ((seen & 1) === 0) return 'request without :method';
    if (method === 'CONNECT' && (seen & 32) === 0) {
      if ((seen & (2 | 4)) !== 0 || (seen & 8) === 0)
        return 'CONNECT with :scheme or :path, or without :authority';
    } else if ((seen & (2 | 4)) !== (2 | 4)) return 'request without :scheme or :path';
  }
  return null;
}

function pseudoBit(name: string, kind: number): number {
  if (kind === RESPONSE) return name === ':status' ? 16 : 0;
  switch (name) {
    case ':method':
      return 1;
    case ':scheme':
      return 2;
    case ':path':
      return 4;
    case ':authority':
      return 8;
    case ':protocol':
      return 32;
    default:
      return 0;
  }
}

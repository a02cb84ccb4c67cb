/**
 * Header blocks between h2wire's form (a flat list: name, value, name, value, ...) and the
 * object form the request pipeline reads and edits (header filters, the proxy's answers):
 * a repeated name becomes an array, as node:http2 gives it (cookie crumbs are joined).
 */

export type HeaderObject = Record<string, string | string[] | undefined>;

/** Connection-specific headers that HTTP/2 forbids and that must not be forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

export function toObject(fields: readonly string[]): HeaderObject {
  const h: HeaderObject = {};
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const value = fields[i + 1] as string;
    const prev = h[name];
    if (prev === undefined) h[name] = value;
    else if (name === 'cookie')
      h[name] = `${prev}; ${value}`; // RFC 9113 section 8.2.3
    else if (typeof prev === 'string') h[name] = [prev, value];
    else prev.push(value);
  }
  return h;
}

/**
 * The list form of `h` (pseudo-header fields first), less connection-specific fields
 * and a `te` other than "trailers".
 */
export function toFields(h: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const name in h) {
    if (name.charCodeAt(0) !== 58) continue;
    const v = h[name];
    if (v !== undefined) out.push(name, String(v));
  }
  for (const name in h) {
    if (name.charCodeAt(0) === 58) continue;
    const v = h[name];
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    if (Array.isArray(v)) for (const x of v) out.push(lower, String(x));
    else {
      const s = String(v);
      if (lower === 'te' && s !== 'trailers') continue;
      out.push(lower, s);
    }
  }
  return out;
}

/** The value of the first field named `name`, or undefined. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

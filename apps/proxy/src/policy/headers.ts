/**
 * Gateway API RequestHeaderModifier / ResponseHeaderModifier, compiled once for both
 * header shapes the drivers use: HTTP/1's flat `[name, value, ...]` pairs and node:http2
 * header objects. `add` appends a value, `set` replaces every value, `remove` drops the
 * header; applied in that order (so `set` beats `add`, `remove` beats both), which
 * compiles to one list of names to drop and one list of pairs to append.
 */
import type { HeaderModifierPlan, PolicySource } from '@weft/shared';
import { ProxyPolicyError } from './error.ts';

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible characters, spaces and tabs; no CR, LF or NUL. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class HeaderModifier {
  /** Lower-case names whose existing values are dropped. */
  private readonly drop: readonly string[];
  /** `[name, value, ...]` appended after the drop, names as the plan spells them. */
  private readonly append: readonly string[];
  /** The same, lower-case names, for node:http2 objects. */
  private readonly appendLower: readonly string[];

  constructor(plan: HeaderModifierPlan, field = 'headers', source?: PolicySource) {
    const removed = new Set<string>();
    for (const [i, name] of plan.remove.entries())
      removed.add(checkName(name, `${field}.remove[${i}]`, source));
    const setNames = new Set<string>();
    for (const [i, h] of plan.set.entries()) {
      setNames.add(checkName(h.name, `${field}.set[${i}].name`, source));
      checkValue(h.value, `${field}.set[${i}].value`, source);
    }
    const drop = new Set<string>([...removed, ...setNames]);
    const append: string[] = [];
    for (const [i, h] of plan.add.entries()) {
      const lower = checkName(h.name, `${field}.add[${i}].name`, source);
      checkValue(h.value, `${field}.add[${i}].value`, source);
      if (!drop.has(lower)) append.push(h.name, h.value);
    }
    const setOnce = new Set<string>();
    for (const h of plan.set) {
      const lower = h.name.toLowerCase();
      // `set` twice for one name: the first wins, as Gateway API says of repeated names.
      if (removed.has(lower) || setOnce.has(lower)) continue;
      setOnce.add(lower);
      append.push(h.name, h.value);
    }
    this.drop = [...drop];
    this.append = append;
    this.appendLower = append.map((s, i) => (i % 2 === 0 ? s.toLowerCase() : s));
  }

  /** True when the modifier changes nothing (every list empty). */
  get empty(): boolean {
    return this.drop.length === 0 && this.append.length === 0;
  }

  /**
   * Applies to HTTP/1 pairs; names are compared case-insensitively. Returns a new array
   * and leaves `pairs` as it was, so a retried attempt can apply it again to the same
   * input.
   */
  applyToPairs(pairs: string[]): string[] {
    const out: string[] = [];
    const drop = this.drop;
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const name = pairs[i] as string;
      if (drop.length === 0 || !inLowerList(name, drop)) out.push(name, pairs[i + 1] as string);
    }
    const add = this.append;
    for (let i = 0; i < add.length; i++) out.push(add[i] as string);
    return out;
  }

  /** Applies to a node:http2 header object in place (its names are lower-case). */
  applyToObject(h: Record<string, string | string[] | undefined>): void {
    const drop = this.drop;
    for (let i = 0; i < drop.length; i++) delete h[drop[i] as string];
    const add = this.appendLower;
    for (let i = 0; i + 1 < add.length; i += 2) {
      const name = add[i] as string;
      const value = add[i + 1] as string;
      const prev = h[name];
      if (prev === undefined) h[name] = value;
      else if (typeof prev === 'string') h[name] = [prev, value];
      else prev.push(value);
    }
  }
}

/** Compiles a modifier, or null for none or one that changes nothing. */
export function compileHeaderModifier(
  plan: HeaderModifierPlan | undefined,
  field: string,
  source?: PolicySource,
): HeaderModifier | null {
  if (plan === undefined) return null;
  const m = new HeaderModifier(plan, field, source);
  return m.empty ? null : m;
}

function checkName(name: string, field: string, source?: PolicySource): string {
  if (!TOKEN.test(name))
    throw new ProxyPolicyError(field, `invalid header name ${JSON.stringify(name)}`, source);
  return name.toLowerCase();
}

function checkValue(value: string, field: string, source?: PolicySource): void {
  if (!FIELD_VALUE.test(value)) {
    throw new ProxyPolicyError(field, `invalid header value ${JSON.stringify(value)}`, source);
  }
}

/** Whether `name` equals one of the lower-case `list` entries, ignoring ASCII case; allocates nothing. */
function inLowerList(name: string, list: readonly string[]): boolean {
  for (let k = 0; k < list.length; k++) if (equalsLowerAscii(name, list[k] as string)) return true;
  return false;
}

/** `name` compared with an already lower-case `lower`, ignoring ASCII case. */
export function equalsLowerAscii(name: string, lower: string): boolean {
  const n = name.length;
  if (n !== lower.length) return false;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

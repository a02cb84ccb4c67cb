/**
 * Source-address matching for authorization: IPv4 addresses as numbers (no parsing
 * allocations per decision), CIDRs with `except`, IPv6 through a `BlockList`.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { NetworkPlan } from '@weft/shared';

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** An IPv4 address as an unsigned 32-bit number, or -1 when it is not one. */
export function ipv4Number(address: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return n * 256 + part;
}

/** One CIDR: IPv4 compared as numbers, IPv6 through a BlockList. */
class Cidr {
  readonly #base: number;
  readonly #size: number;
  readonly #v6: BlockList | null;
  constructor(cidr: string) {
    const slash = cidr.indexOf('/');
    const address = slash < 0 ? cidr : cidr.slice(0, slash);
    const v4 = ipv4Number(address);
    if (v4 >= 0) {
      const bits = slash < 0 ? 32 : Number(cidr.slice(slash + 1));
      this.#size = 2 ** (32 - bits);
      this.#base = Math.floor(v4 / this.#size) * this.#size;
      this.#v6 = null;
    } else {
      this.#base = -1;
      this.#size = 0;
      this.#v6 = new BlockList();
      this.#v6.addSubnet(address, slash < 0 ? 128 : Number(cidr.slice(slash + 1)), 'ipv6');
    }
  }
  /** `v4`: the address as a number, or -1 for IPv6 (then `address` is checked). */
  has(v4: number, address: string): boolean {
    if (v4 >= 0) return this.#v6 === null && v4 >= this.#base && v4 < this.#base + this.#size;
    return this.#v6?.check(address, 'ipv6') === true;
  }
}

/** A CIDR and the CIDRs carved out of it. */
export class NetworkMatcher {
  readonly #in: Cidr;
  readonly #except: Cidr[];
  constructor(n: NetworkPlan) {
    this.#in = new Cidr(n.cidr);
    this.#except = n.except.map((e) => new Cidr(e));
  }
  matches(v4: number, address: string): boolean {
    if (!this.#in.has(v4, address)) return false;
    for (const e of this.#except) if (e.has(v4, address)) return false;
    return true;
  }
}

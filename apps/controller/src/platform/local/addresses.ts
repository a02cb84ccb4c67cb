/**
 * Loopback address blocks for the local platform: pods on 127.10.x.y, services on
 * 127.20.x.y. A block starts at a configurable third octet (so parallel runs use
 * disjoint blocks) and hands out the lowest free address, so allocation is
 * deterministic for a given sequence of allocations and releases.
 *
 *   127.<second>.<base + ⌊i / 254⌋>.<i mod 254 + 1>     for index i in [0, size)
 *
 * With `WEFT_LOCAL_CAPTURE=netns` the blocks are link-local instead (169.254.<second>...),
 * since loopback addresses cannot cross network namespaces.
 */
import { ErrorCode, MeshError } from '@weft/shared';

/** Third octets one block spans (4 × 254 = 1016 addresses). */
export const BLOCK_OCTETS = 4;

export class AddressPool {
  readonly #first: number;
  readonly #second: number;
  readonly #base: number;
  readonly #size: number;
  readonly #used = new Set<number>();

  constructor(second: number, baseOctet: number, octets = BLOCK_OCTETS, first = 127) {
    if (baseOctet < 0 || baseOctet + octets > 256) {
      throw new MeshError(
        ErrorCode.invalidInput,
        `address block ${first}.${second}.${baseOctet}.0 + ${octets} octets leaves ${first}.${second}.0.0/16`,
      );
    }
    this.#first = first;
    this.#second = second;
    this.#base = baseOctet;
    this.#size = octets * 254;
  }

  addressOf(index: number): string {
    return `${this.#first}.${this.#second}.${this.#base + Math.floor(index / 254)}.${(index % 254) + 1}`;
  }

  indexOf(address: string): number | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
    if (!m || Number(m[1]) !== this.#first || Number(m[2]) !== this.#second) return undefined;
    const third = Number(m[3]) - this.#base;
    const fourth = Number(m[4]);
    if (third < 0 || fourth < 1 || fourth > 254) return undefined;
    const index = third * 254 + fourth - 1;
    return index < this.#size ? index : undefined;
  }

  /** Marks an address (e.g. one restored from state) as used; false when it is not in this block or taken. */
  reserve(address: string): boolean {
    const i = this.indexOf(address);
    if (i === undefined || this.#used.has(i)) return false;
    this.#used.add(i);
    return true;
  }

  /** The lowest free address. */
  allocate(): string {
    for (let i = 0; i < this.#size; i++) {
      if (!this.#used.has(i)) {
        this.#used.add(i);
        return this.addressOf(i);
      }
    }
    throw new MeshError(
      ErrorCode.unavailable,
      `no free address left in ${this.#first}.${this.#second}.${this.#base}.0 (${this.#size} in use)`,
    );
  }

  release(address: string): void {
    const i = this.indexOf(address);
    if (i !== undefined) this.#used.delete(i);
  }
}

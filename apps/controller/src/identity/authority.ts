/**
 * What the CA does right now: which issuer signs workload certificates and which trust
 * anchors proxies are told to trust (one anchor, or two during a rotation's overlap).
 * A rotation changes both; `identity.watch` streams every change to proxies, which renew
 * when what they hold differs.
 */
import { createHash } from 'node:crypto';
import type { IdentityWatchEvent } from '@weft/shared';
import type { CaMaterial } from './ca.ts';
import type { x509 } from './x509.ts';

/** The PEM bundle of `anchors`, one certificate after another. */
export function anchorsBundle(anchors: readonly x509.X509Certificate[]): string {
  return `${anchors.map((a) => a.toString('pem').trim()).join('\n')}\n`;
}

/** A short digest of a PEM bundle, whitespace aside: what a proxy's record says it trusts. */
export function bundleDigest(pem: string): string {
  return createHash('sha256').update(pem.replace(/\s+/g, '')).digest('hex').slice(0, 16);
}

export class Authority {
  #signer: CaMaterial;
  #anchors: x509.X509Certificate[];
  #bundle: string;
  #digest: string;
  readonly #listeners = new Set<(e: IdentityWatchEvent) => void>();

  constructor(ca: CaMaterial) {
    this.#signer = ca;
    this.#anchors = [ca.trustAnchor];
    this.#bundle = anchorsBundle(this.#anchors);
    this.#digest = bundleDigest(this.#bundle);
  }

  /** The issuer (with its key) that signs now, and the anchor above it. */
  get signer(): CaMaterial {
    return this.#signer;
  }

  /** The anchors proxies trust now. */
  get anchors(): readonly x509.X509Certificate[] {
    return this.#anchors;
  }

  get anchorsPem(): string {
    return this.#bundle;
  }

  get anchorsDigest(): string {
    return this.#digest;
  }

  /** What proxies should hold now. */
  event(): IdentityWatchEvent {
    return { issuerSerial: this.#signer.issuer.serialNumber, trustAnchors: this.#bundle };
  }

  /** Changes the signer and the anchors, and tells every watcher. */
  set(signer: CaMaterial, anchors: readonly x509.X509Certificate[]): void {
    this.#signer = signer;
    this.#anchors = [...anchors];
    this.#bundle = anchorsBundle(this.#anchors);
    this.#digest = bundleDigest(this.#bundle);
    const e = this.event();
    for (const fn of this.#listeners) fn(e);
  }

  /** Calls `fn` on every change; returns the unsubscribe function. */
  onChange(fn: (e: IdentityWatchEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }
}

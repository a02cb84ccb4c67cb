/** `needsRenewal` and `anchorsDigest`: when `identity.watch` makes a proxy renew, and the digest it reports. */
import type { IdentityWatchEvent } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { Credentials } from './manager.ts';
import { anchorsDigest, needsRenewal } from './watch.ts';

const ANCHOR = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const OTHER = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';
const held = { issuerSerial: '01', trustAnchorsPem: ANCHOR } as Credentials;
const event = (e: Partial<IdentityWatchEvent>): IdentityWatchEvent => ({
  issuerSerial: '01',
  trustAnchors: ANCHOR,
  ...e,
});

describe('needsRenewal', () => {
  it('is false when the proxy holds what the controller hands out, whitespace aside', () => {
    expect(needsRenewal(held, event({ trustAnchors: `  ${ANCHOR.trim()}\r\n` }))).toBe(false);
  });

  it('is true for another issuer, or other anchors (a rotation step)', () => {
    expect(needsRenewal(held, event({ issuerSerial: '02' }))).toBe(true);
    expect(needsRenewal(held, event({ trustAnchors: ANCHOR + OTHER }))).toBe(true);
  });

  it('is false before the first certificate (the first request is under way)', () => {
    expect(needsRenewal(undefined, event({ issuerSerial: '02' }))).toBe(false);
  });
});

describe('anchorsDigest', () => {
  it('is the first 16 hex digits of the SHA-256 of the PEM without whitespace (as the controller computes it)', () => {
    expect(anchorsDigest('a b\nc')).toBe('ba7816bf8f01cfea');
    expect(anchorsDigest(ANCHOR)).toBe(anchorsDigest(`  ${ANCHOR.trim()}\r\n`));
  });
});

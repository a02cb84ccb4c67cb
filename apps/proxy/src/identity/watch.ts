/**
 * The proxy's side of `identity.watch`: the controller streams which issuer signs and
 * which anchors to trust; when the certificate held differs (a CA rotation step), the
 * proxy renews at once instead of at 70% of its lifetime. Each distinct event triggers at
 * most one renewal, so an anchors file that never matches cannot make it renew in a loop.
 * Each (re)connect says what the proxy holds, for the controller's rotation progress.
 */
import { createHash } from 'node:crypto';
import { IdentityWatchEvent } from '@weft/shared';
import { RateLimitedWarn, SseSubscription } from '../resolve/sse.ts';
import type { Credentials } from './manager.ts';

/** What the watch needs of the identity manager. */
export interface Renewable {
  readonly current: Credentials | undefined;
  renewSoon(withinMs?: number): void;
}

/** Whitespace aside, whether two PEM bundles are the same. */
function samePem(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '');
}

/** The digest of an anchors bundle as `identity.watch`'s input carries it. */
export function anchorsDigest(pem: string): string {
  return createHash('sha256').update(pem.replace(/\s+/g, '')).digest('hex').slice(0, 16);
}

/** Whether the held certificate is not what the controller hands out now. */
export function needsRenewal(held: Credentials | undefined, e: IdentityWatchEvent): boolean {
  if (!held) return false;
  return held.issuerSerial !== e.issuerSerial || !samePem(held.trustAnchorsPem, e.trustAnchors);
}

export interface IdentityWatchOptions {
  controllerUrl: string;
  authorization: () => string | undefined;
  log: (line: string) => void;
  /** Renewals are spread over this window (default 500 ms). */
  spreadMs?: number;
}

/** Subscribes to `identity.watch` (reconnecting with backoff); `close()` ends it. */
export function watchIdentity(manager: Renewable, opts: IdentityWatchOptions): { close(): void } {
  const warn = new RateLimitedWarn((m) => opts.log(`identity warn: ${m}`));
  let handled = '';
  const sub = new SseSubscription(
    {
      controllerUrl: opts.controllerUrl,
      backoffMinMs: 500,
      backoffMaxMs: 10_000,
      authorization: opts.authorization,
      warn: (m) => warn.warn(m),
    },
    'identity.watch',
    // Read at each (re)connect: what the proxy holds then.
    {
      toJSON: () => {
        const held = manager.current;
        return held
          ? { issuerSerial: held.issuerSerial, anchorsDigest: anchorsDigest(held.trustAnchorsPem) }
          : null;
      },
    },
    'identity.watch',
    {
      onEvent(data) {
        const r = IdentityWatchEvent.safeParse(data);
        if (!r.success) {
          warn.warn(`identity.watch: bad event: ${r.error.issues[0]?.message}`);
          return;
        }
        const key = `${r.data.issuerSerial}:${r.data.trustAnchors.replace(/\s+/g, '')}`;
        if (key === handled || !needsRenewal(manager.current, r.data)) return;
        handled = key;
        opts.log('identity: the controller changed the issuer or the trust anchors; renewing now');
        manager.renewSoon(opts.spreadMs);
      },
    },
  );
  return { close: () => sub.close() };
}

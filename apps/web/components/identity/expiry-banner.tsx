'use client';
/**
 * On every page: an alert when the trust anchor or the issuer has under 60 days left (or
 * has expired), or when proxies fail to renew their certificates. Its words are the
 * controller's health checks (`identity.*`), the same as `weft check` prints.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../../lib/trpc/client.ts';

const IDENTITY_CHECKS = new Set([
  'identity.ca',
  'identity.trust-anchor',
  'identity.issuer',
  'identity.proxy-certificates',
]);
/** Certificate expiry moves in days; once a minute is often enough. */
const REFRESH_MS = 60_000;

export function ExpiryBanner() {
  const trpc = useTRPC();
  const report = useQuery({
    ...trpc.health.checks.queryOptions(),
    refetchInterval: REFRESH_MS,
    retry: false,
  });
  const problems = (report.data?.checks ?? []).filter((c) => IDENTITY_CHECKS.has(c.id) && c.status !== 'ok');
  if (!problems.length) return null;
  return (
    <div
      className={`banner ${problems.some((c) => c.status === 'failure') ? 'banner-error' : 'banner-warn'}`}
      role="alert"
      aria-label="Certificate expiry"
    >
      {problems.map((c) => (
        <p key={c.id}>
          <strong>{c.status === 'failure' ? 'Failing' : 'Warning'}:</strong>{' '}
          {c.title.replace(/^the /, 'The ')} — not so: {c.detail}. {c.fix ? `Fix: ${c.fix}.` : ''}{' '}
          <Link href="/identity">Identity</Link>
        </p>
      ))}
    </div>
  );
}

/**
 * The mTLS state of an edge, told by an icon and words: a closed lock and "mTLS" when all
 * its requests in the window were mTLS, a half-open lock and "mTLS 40%" when only part
 * of them were (a side meshed during the window), "plain" when none were.
 */
import { Lock, LockOpen } from 'lucide-react';

/** The words for a secured share (0..1): `mTLS`, `mTLS 40%`, `plain`. */
export function mtlsLabel(securedShare: number): string {
  if (securedShare >= 1) return 'mTLS';
  if (securedShare <= 0) return 'plain';
  return `mTLS ${Math.min(99, Math.max(1, Math.round(securedShare * 100)))}%`;
}

/** The longer description, for titles and accessible names. */
export function mtlsDescription(securedShare: number): string {
  if (securedShare >= 1) return 'all requests mTLS';
  if (securedShare <= 0) return 'no request mTLS';
  return `mTLS on ${mtlsLabel(securedShare).slice(5)} of requests`;
}

/** An icon for the state (no icon for plain traffic unless `showPlain`). */
export function MtlsIcon({ securedShare, size = 13 }: { securedShare: number; size?: number }) {
  const Icon = securedShare >= 1 ? Lock : LockOpen;
  return <Icon className="mtls-icon" size={size} strokeWidth={2.25} aria-hidden="true" focusable="false" />;
}

/** A pill: icon and words, with the description as its title. */
export function MtlsPill({ securedShare }: { securedShare: number }) {
  const cls = securedShare >= 1 ? 'health-healthy' : securedShare > 0 ? 'health-degraded' : 'health-idle';
  return (
    <span className={`pill mtls-pill ${cls}`} title={mtlsDescription(securedShare)}>
      {securedShare > 0 && <MtlsIcon securedShare={securedShare} />}
      {mtlsLabel(securedShare)}
    </span>
  );
}

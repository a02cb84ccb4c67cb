/**
 * The mTLS state of an edge, told by an icon and words: a closed lock and "mTLS" when all
 * its requests in the window were mTLS, a half-open lock and "mTLS 40%" when only part
 * of them were (a side meshed during the window), "plain" when none were.
 */
import { Lock, LockOpen } from 'lucide-react';
import { mtlsDescription, mtlsLabel } from '../lib/mtls.ts';

export { mtlsDescription, mtlsLabel };

/** A closed lock for all-mTLS, a half-open one for a part. */
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

/**
 * Identity health checks: the trust anchor and the issuer are valid for 60 days or more,
 * and every meshed proxy holds a certificate it renews in time.
 */
import type { CertificateSummary, HealthCheck, IssuedCertificate } from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import type { IdentityService } from '../identity/service.ts';

const category = 'identity';
const DAY = 86_400;

/** A proxy renews at about 70% of its certificate's life; under 20% left means renewals fail. */
const RENEWAL_OVERDUE_FRACTION = 0.2;

function caCheck(id: string, name: string, c: CertificateSummary, fix: string): HealthCheck {
  const days = Math.floor(c.expiresInSeconds / DAY);
  const title = `the ${name} is valid for 60 days or more`;
  if (c.expiresInSeconds <= 0)
    return { id, category, title, status: 'failure', detail: `${c.subject} expired on ${c.notAfter}`, fix };
  if (c.expiringSoon)
    return {
      id,
      category,
      title,
      status: 'warning',
      detail: `${c.subject} expires in ${days} days, on ${c.notAfter}`,
      fix,
    };
  return {
    id,
    category,
    title,
    status: 'ok',
    detail: `${c.subject} expires in ${days} days, on ${c.notAfter}`,
    fix: null,
  };
}

function proxyCertificatesCheck(platform: Platform, identity: IdentityService, now: Date): HealthCheck {
  const id = 'identity.proxy-certificates';
  const title = 'every meshed proxy holds a valid certificate and renews it in time';
  const byPod = new Map<string, IssuedCertificate>();
  for (const c of identity.certificates()) if (c.pod) byPod.set(`${c.namespace}/${c.pod}`, c);
  const meshed = platform.listPods().filter((p) => p.meshed && p.phase === 'Running');
  const failures: string[] = [];
  const warnings: string[] = [];
  const renewals: { key: string; at: string }[] = [];
  const refusals = identity.renewalRefusals();
  for (const pod of meshed) {
    const key = `${pod.namespace}/${pod.name}`;
    const cert = byPod.get(key);
    const refused = refusals.get(key);
    if (refused)
      warnings.push(
        `${key}: ${refused.count} renewal${refused.count === 1 ? '' : 's'} refused since its last certificate${cert ? ` (${cert.issuedAt})` : ''}, last at ${refused.lastAt} (${refused.reason}: ${refused.message})`,
      );
    if (!cert) {
      // A pod that just started asks for its first certificate within seconds.
      if (now.getTime() - Date.parse(pod.startedAt) > 60_000) warnings.push(`${key}: no certificate issued`);
      continue;
    }
    const notAfter = Date.parse(cert.notAfter);
    const life = notAfter - Date.parse(cert.notBefore);
    const left = notAfter - now.getTime();
    if (left <= 0) failures.push(`${key}: certificate expired on ${cert.notAfter}`);
    else if (left < life * RENEWAL_OVERDUE_FRACTION)
      warnings.push(`${key}: certificate expires on ${cert.notAfter} and was not renewed`);
    renewals.push({ key, at: cert.issuedAt });
  }
  // The proxies that renewed longest ago first: where a stuck renewal would show.
  renewals.sort((a, b) => a.at.localeCompare(b.at));
  const shown = renewals.slice(0, 10).map((r) => `${r.key} ${r.at}`);
  const lastRenewals = renewals.length
    ? `; last renewal: ${shown.join(', ')}${renewals.length > shown.length ? `, and ${renewals.length - shown.length} more` : ''}`
    : '';
  const problems = [...failures, ...warnings];
  return {
    id,
    category,
    title,
    status: failures.length ? 'failure' : warnings.length ? 'warning' : 'ok',
    detail: problems.length
      ? problems.join('; ')
      : `${meshed.length} meshed proxies hold valid certificates${lastRenewals}`,
    fix: problems.length
      ? 'read those proxies\' logs for the certificate request error (identity_cert_refresh_total{result="failure"} counts them); a proxy whose workload token expired needs its pod restarted'
      : null,
  };
}

/** The identity checks; without a CA, one failure saying so. */
export function identityChecks(
  platform: Platform,
  identity: IdentityService | undefined,
  now: Date,
): HealthCheck[] {
  if (!identity)
    return [
      {
        id: 'identity.ca',
        category,
        title: 'the controller runs a certificate authority',
        status: 'failure',
        detail: 'this controller runs without a CA: meshed traffic cannot use mTLS',
        fix: 'start the controller with its identity service (the default `npm start`)',
      },
    ];
  const status = identity.status(now);
  const supplied = status.source === 'supplied';
  const replace =
    'put the new files where WEFT_IDENTITY_TRUST_ANCHOR_FILE, WEFT_IDENTITY_ISSUER_CERT_FILE and WEFT_IDENTITY_ISSUER_KEY_FILE point';
  return [
    caCheck(
      'identity.trust-anchor',
      'trust anchor',
      status.trustAnchor,
      supplied
        ? `make a new trust anchor and issuer, ${replace}, restart the controller, then restart the meshed pods so their proxies trust the new anchor`
        : 'rotate it with `weft identity rotate --anchor` (or the rotation on the Identity page): proxies move to the new anchor one step at a time, without a restart',
    ),
    caCheck(
      'identity.issuer',
      'issuer certificate',
      status.issuer,
      supplied
        ? `sign a new issuer certificate with the trust anchor's key, ${replace}, and restart the controller; proxies pick up the new chain at their next renewal`
        : 'rotate it with `weft identity rotate --issuer` (or the rotation on the Identity page); proxies renew onto the new issuer at once',
    ),
    proxyCertificatesCheck(platform, identity, now),
  ];
}

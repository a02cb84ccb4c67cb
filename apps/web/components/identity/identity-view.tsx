'use client';
/**
 * The Identity page: countdowns to the trust anchor's and the issuer's expiry, the last
 * certificate of every proxy (identity, last renewal, issuer, expires), the certificates
 * issued and refused by reason since the controller started, and the guided rotation.
 * While the CA's status loads, its cards show with placeholders of the same shape, so
 * the rotation and the proxy certificates below do not jump when it arrives.
 */
import { useQuery } from '@tanstack/react-query';
import type { CertificateSummary, IdentityStatus } from '@weft/shared';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTRPC } from '../../lib/trpc/client.ts';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';
import { RotationWizard } from './rotation-wizard.tsx';

function countdown(seconds: number): string {
  if (seconds <= 0) return 'expired';
  const days = Math.floor(seconds / 86_400);
  if (days >= 1) return `${days} days left`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min left`;
}

function CaCertificate({ name, cert }: { name: string; cert: CertificateSummary | undefined }) {
  return (
    <section aria-label={name} className="card">
      <h2>{name}</h2>
      {cert ? (
        <>
          <p data-testid={`countdown-${name.toLowerCase().replace(' ', '-')}`}>
            <strong>{countdown(cert.expiresInSeconds)}</strong>
            {cert.expiringSoon ? ' (under 60 days: rotate it)' : ''}
          </p>
          <p className="small">
            {cert.subject}, valid {cert.notBefore} to {cert.notAfter}
          </p>
        </>
      ) : (
        <>
          <p className="muted" aria-hidden="true">
            …
          </p>
          <p className="small muted" aria-hidden="true">
            …
          </p>
        </>
      )}
    </section>
  );
}

/** The CA's trust domain, its two certificates and the request counts; placeholders while loading. */
function CaStatus({ s }: { s: IdentityStatus | undefined }) {
  return (
    <>
      {s ? (
        <p>
          Trust domain <code>{s.trustDomain}</code>, CA {s.source}; workload certificates live{' '}
          {Math.round(s.certLifetimeSeconds / 3600)} h.
        </p>
      ) : (
        <p className="muted" role="status">
          Loading the certificate authority…
        </p>
      )}
      <CaCertificate name="Trust anchor" cert={s?.trustAnchor} />
      <CaCertificate name="Issuer" cert={s?.issuer} />
      <section aria-label="Certificate requests" className="card">
        <h2>Certificate requests</h2>
        <p>Issued: {s ? s.issuedTotal : '…'}</p>
        <p>
          Refused:{' '}
          {!s
            ? '…'
            : Object.keys(s.rejectedTotal).length
              ? Object.entries(s.rejectedTotal)
                  .map(([reason, n]) => `${reason} ${n}`)
                  .join(', ')
              : 'none'}
        </p>
      </section>
    </>
  );
}

export function IdentityView() {
  const trpc = useTRPC();
  const { interval } = useLiveRefresh();
  const status = useQuery({ ...trpc.identity.status.queryOptions(), refetchInterval: interval });
  const certs = useQuery({ ...trpc.identity.certificates.queryOptions({}), refetchInterval: interval });
  const s = status.data;
  return (
    <>
      <PageHeader title="Identity" />
      {status.isError && s === undefined ? (
        <QueryState query={status} what="the certificate authority">
          {null}
        </QueryState>
      ) : (
        <CaStatus s={s} />
      )}
      <RotationWizard />
      <h2>Proxy certificates</h2>
      <QueryState query={certs} what="the proxy certificates">
        <table aria-label="Proxy certificates">
          <thead>
            <tr>
              <th scope="col">Pod</th>
              <th scope="col">Identity</th>
              <th scope="col">Last renewal</th>
              <th scope="col">Issuer</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {(certs.data ?? []).map((c) => (
              <tr key={`${c.namespace}/${c.pod ?? c.serialNumber}`}>
                <td>
                  {c.namespace}/{c.pod ?? '-'}
                </td>
                <td>{c.identity}</td>
                <td>{c.issuedAt}</td>
                <td>
                  {c.issuerSerial === undefined
                    ? '-'
                    : c.issuerSerial === s?.issuer.serialNumber
                      ? 'current'
                      : `previous (${c.issuerSerial.slice(0, 8)})`}
                </td>
                <td>{c.notAfter}</td>
              </tr>
            ))}
            {certs.data?.length === 0 && (
              <tr>
                <td colSpan={5}>No proxy has asked for a certificate yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </QueryState>
    </>
  );
}

'use client';
/**
 * The Health page: every check of `health.checks` (the list `weft check` prints), grouped
 * by category, each with what it found and how to fix it. Status is told by an icon and a
 * word, not by colour alone.
 */
import { useQuery } from '@tanstack/react-query';
import type { HealthCheck, HealthCheckStatus } from '@weft/shared';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTRPC } from '../../lib/trpc/client.ts';
import { HealthIcon } from '../health-mark.tsx';
import { PageHeader } from '../page-header.tsx';
import { QueryState } from '../query-state.tsx';

const WORD: Record<HealthCheckStatus, string> = { ok: 'passed', warning: 'warning', failure: 'failed' };
const BAND = { ok: 'healthy', warning: 'degraded', failure: 'failing' } as const;

function groups(checks: HealthCheck[]): [string, HealthCheck[]][] {
  const out = new Map<string, HealthCheck[]>();
  for (const c of checks) out.set(c.category, [...(out.get(c.category) ?? []), c]);
  return [...out];
}

export function HealthChecksView() {
  const trpc = useTRPC();
  const { interval } = useLiveRefresh();
  const report = useQuery({ ...trpc.health.checks.queryOptions(), refetchInterval: interval });
  const checks = report.data?.checks ?? [];
  const failed = checks.filter((c) => c.status === 'failure').length;
  const warned = checks.filter((c) => c.status === 'warning').length;
  return (
    <>
      <PageHeader title="Health" />
      <QueryState query={report} what="the health checks">
        <p role="status" data-testid="health-summary">
          {report.data?.status === 'ok'
            ? `All ${checks.length} checks passed.`
            : `${failed} failed, ${warned} with warnings, ${checks.length - failed - warned} passed.`}{' '}
          The same checks as <code>weft check</code>.
        </p>
        {groups(checks).map(([category, list]) => (
          <section key={category} aria-labelledby={`health-${category.replace(' ', '-')}`}>
            <h2 id={`health-${category.replace(' ', '-')}`}>{category}</h2>
            <ul className="health-checks">
              {list.map((c) => (
                <li key={c.id} data-check={c.id} data-status={c.status}>
                  <HealthIcon health={BAND[c.status]} /> <strong>{c.title}</strong>{' '}
                  <span className="small">({WORD[c.status]})</span>
                  <div className="small">{c.detail}</div>
                  {c.fix && (
                    <div className="small">
                      <span>Fix:</span> {c.fix}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </QueryState>
    </>
  );
}

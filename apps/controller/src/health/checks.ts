/**
 * The health checks behind `health.checks`: the control plane, the CA's trust anchor and
 * issuer, each meshed proxy's certificate, metrics scraping and policy propagation. One
 * list, in one wording, for `weft check` and the dashboard's Health page.
 */
import { type HealthCheck, type HealthReport, worstStatus } from '@weft/shared';
import type { ApiServices } from '../api/trpc.ts';
import { identityChecks } from './identity-checks.ts';

type Services = Pick<ApiServices, 'platform' | 'identity' | 'metrics' | 'policy' | 'version' | 'startedAt'>;

function controlPlaneChecks(s: Services): HealthCheck[] {
  const category = 'control plane';
  const checks: HealthCheck[] = [
    {
      id: 'control-plane.api',
      category,
      title: 'the controller API answers',
      status: 'ok',
      detail: `controller ${s.version} on the ${s.platform.kind} platform, up ${Math.round((Date.now() - s.startedAt) / 1000)} s`,
      fix: null,
    },
  ];
  const problems = s.platform.problems();
  checks.push({
    id: 'control-plane.platform',
    category,
    title: 'the platform reports no problems',
    status: problems.length ? 'failure' : 'ok',
    detail: problems.length ? problems.join('; ') : `${s.platform.kind} platform running`,
    fix: problems.length
      ? "read the controller's log for the first error; fix the manifest or environment it names and restart the controller"
      : null,
  });
  const unready = s.platform
    .listWorkloads()
    .filter((w) => w.readyReplicas < w.replicas || w.meshState === 'failed')
    .map((w) =>
      w.meshState === 'failed'
        ? `${w.namespace}/${w.name}: the last rollout failed`
        : `${w.namespace}/${w.name}: ${w.readyReplicas} of ${w.replicas} ready`,
    );
  checks.push({
    id: 'control-plane.workloads',
    category,
    title: 'every workload has all its replicas ready',
    status: unready.length ? 'warning' : 'ok',
    detail: unready.length ? unready.join('; ') : `${s.platform.listWorkloads().length} workloads ready`,
    fix: unready.length
      ? 'look at the pods of those workloads (`weft stat`, the workload page) and their last exit; a failed rollout is retried with `weft mesh` or undone with `weft unmesh`'
      : null,
  });
  return checks;
}

function metricsChecks(s: Services): HealthCheck[] {
  const base = {
    id: 'metrics.scrape',
    category: 'metrics',
    title: "every proxy's metrics are being scraped",
  };
  if (!s.metrics)
    return [
      {
        ...base,
        status: 'warning',
        detail: 'this controller runs without metrics',
        fix: 'start the controller with its metrics service (the default `npm start`)',
      },
    ];
  const status = s.metrics.status();
  const failing = status.targets.filter((t) => !t.healthy);
  return [
    {
      ...base,
      status: failing.length ? 'warning' : 'ok',
      detail: failing.length
        ? failing
            .map((t) => `${t.namespace}/${t.pod} (${t.address}): ${t.lastError ?? 'no answer'}`)
            .join('; ')
        : `${status.targets.length} proxies scraped by the ${status.backend} backend`,
      fix: failing.length
        ? "check that those pods' proxies run and their admin port answers (`curl http://<admin>/metrics`); a restarted pod is picked up at the next scrape"
        : null,
    },
  ];
}

async function policyChecks(s: Services): Promise<HealthCheck[]> {
  const base = {
    id: 'policy.propagation',
    category: 'policy',
    title: 'every proxy runs the live policy revision',
  };
  if (!s.policy)
    return [
      {
        ...base,
        status: 'warning',
        detail: 'traffic policy is not enabled on this controller',
        fix: 'start the controller with its policy service (the default `npm start`)',
      },
    ];
  const p = await s.policy.propagation();
  const behind = p.proxies.filter((x) => x.revision === null || x.revision < p.revision);
  return [
    {
      ...base,
      status: behind.length ? 'warning' : 'ok',
      detail: behind.length
        ? `revision ${p.revision}: ${p.applied} of ${p.total} proxies applied it; behind: ${behind
            .map(
              (x) =>
                `${x.namespace}/${x.pod} (${x.revision === null ? (x.error ?? 'unknown') : `revision ${x.revision}`})`,
            )
            .join(', ')}`
        : `revision ${p.revision} applied by all ${p.total} proxies`,
      fix: behind.length
        ? 'a proxy catches up within seconds of an apply; if it stays behind, check that it reaches the controller (its log) or restart the pod'
        : null,
    },
  ];
}

/** Runs every check. Never throws: a check that cannot run is itself a failure. */
export async function runHealthChecks(s: Services, now = new Date()): Promise<HealthReport> {
  const checks: HealthCheck[] = [];
  const groups: [string, () => HealthCheck[] | Promise<HealthCheck[]>][] = [
    ['control plane', () => controlPlaneChecks(s)],
    ['identity', () => identityChecks(s.platform, s.identity, now)],
    ['metrics', () => metricsChecks(s)],
    ['policy', () => policyChecks(s)],
  ];
  for (const [category, run] of groups) {
    try {
      checks.push(...(await run()));
    } catch (err) {
      checks.push({
        id: `${category.replace(' ', '-')}.error`,
        category,
        title: `the ${category} checks run`,
        status: 'failure',
        detail: err instanceof Error ? err.message : String(err),
        fix: "read the controller's log around this time",
      });
    }
  }
  return { checkedAt: now.toISOString(), checks, status: worstStatus(checks) };
}

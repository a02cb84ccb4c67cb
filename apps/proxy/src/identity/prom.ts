/**
 * Registers the identity and TLS metrics in the proxy's prom-client registry, so the
 * admin `/metrics` serves them beside the traffic metrics, with the proxy's own labels
 * (namespace, deployment, pod) on every series.
 */
import { IdentityMetricName } from '@weft/shared';
import type { Registry } from 'prom-client';
import type { IdentityMetrics } from './metrics.ts';

type Labels = Record<string, string>;
interface Value {
  value: number;
  labels: Labels;
}

/** A prom-client metric read from `IdentityMetrics` at scrape time. */
function collected(name: string, help: string, type: 'counter' | 'gauge', collect: () => Value[]) {
  return { name, help, type, get: () => ({ name, help, type, values: collect(), aggregator: 'sum' }) };
}

/** Adds `identity_cert_expiration_timestamp_seconds`, `identity_cert_refresh_total`, `tls_rejected_total`. */
export function registerIdentityMetrics(registry: Registry, m: IdentityMetrics, own: Labels): void {
  const add = (x: ReturnType<typeof collected>) => registry.registerMetric(x as never);
  add(
    collected(
      IdentityMetricName.certExpiration,
      "When the proxy's current certificate expires (unix seconds).",
      'gauge',
      () => [{ labels: own, value: m.expiration }],
    ),
  );
  add(
    collected(
      IdentityMetricName.certRefreshTotal,
      'Certificate requests to the controller, by result.',
      'counter',
      () => [
        { labels: { ...own, result: 'ok' }, value: m.refreshOk },
        { labels: { ...own, result: 'failure' }, value: m.refreshFailure },
      ],
    ),
  );
  add(
    collected(
      IdentityMetricName.tlsRejectedTotal,
      'TLS peers refused, by direction and reason.',
      'counter',
      () =>
        m
          .rejections()
          .map((r) => ({ labels: { ...own, direction: r.direction, reason: r.reason }, value: r.count })),
    ),
  );
}

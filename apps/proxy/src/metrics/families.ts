/**
 * The proxy's own metric families (requests, responses, latency, TCP connections, process
 * start and memory), rendered at scrape time from the accumulators `ProxyMetrics` keeps.
 */

import { MetricName } from '@weft/shared';
import type { Registry } from 'prom-client';
import { BUCKETS, type HttpAccum, NB, type TcpAccum } from './accumulators.ts';
import { CollectedMetric, type Labels, type MetricValue } from './collected.ts';

/** Registers every family on `registry`, each reading `http` and `tcp` when scraped. */
export function registerFamilies(
  registry: Registry,
  http: ReadonlyMap<string, HttpAccum>,
  tcp: ReadonlyMap<string, TcpAccum>,
  own: Labels,
  startedAt: number,
): void {
  const add = (m: CollectedMetric) => registry.registerMetric(m as never);
  add(
    new CollectedMetric(MetricName.requestTotal, 'Total count of HTTP requests.', 'counter', () =>
      [...http.values()].filter((a) => a.requests > 0).map((a) => ({ labels: a.labels, value: a.requests })),
    ),
  );
  add(
    new CollectedMetric(MetricName.responseTotal, 'Total count of HTTP responses.', 'counter', () => {
      const out: MetricValue[] = [];
      for (const a of http.values()) {
        for (const s of a.byStatus.values()) {
          if (s.successes > 0) out.push({ labels: s.successLabels, value: s.successes });
          if (s.failures > 0) out.push({ labels: s.failureLabels, value: s.failures });
        }
      }
      return out;
    }),
  );
  const name = MetricName.responseLatencyMs;
  add(
    new CollectedMetric(
      name,
      'Elapsed times between a request and its response head, in ms.',
      'histogram',
      () => {
        const out: MetricValue[] = [];
        for (const a of http.values()) {
          for (const s of a.byStatus.values()) {
            let cum = 0;
            for (let b = 0; b <= NB; b++) {
              cum += s.buckets[b] as number;
              const le = b < NB ? String(BUCKETS[b]) : '+Inf';
              out.push({ metricName: `${name}_bucket`, labels: { ...s.latencyLabels, le }, value: cum });
            }
            out.push({ metricName: `${name}_sum`, labels: s.latencyLabels, value: s.sum });
            out.push({ metricName: `${name}_count`, labels: s.latencyLabels, value: s.count });
          }
        }
        return out;
      },
    ),
  );
  const tcpMetric = (n: string, help: string, type: 'counter' | 'gauge', f: (a: TcpAccum) => number) =>
    add(
      new CollectedMetric(n, help, type, () =>
        [...tcp.values()].filter((a) => a.opens > 0).map((a) => ({ labels: a.labels, value: f(a) })),
      ),
    );
  tcpMetric(MetricName.tcpOpenTotal, 'Total count of opened connections.', 'counter', (a) => a.opens);
  add(
    new CollectedMetric(MetricName.tcpCloseTotal, 'Total count of closed connections.', 'counter', () => {
      const out: MetricValue[] = [];
      for (const a of tcp.values()) {
        if (a.opens === 0) continue;
        out.push({ labels: a.labels, value: a.cleanCloses });
        for (const e of a.byErrno.values()) out.push({ labels: e.labels, value: e.closes });
      }
      return out;
    }),
  );
  tcpMetric(
    MetricName.tcpOpenConnections,
    'Number of currently open connections.',
    'gauge',
    (a) => a.opens - a.closes,
  );
  tcpMetric(
    MetricName.tcpReadBytesTotal,
    'Total count of bytes read from peers.',
    'counter',
    (a) => a.readBytes,
  );
  tcpMetric(
    MetricName.tcpWriteBytesTotal,
    'Total count of bytes written to peers.',
    'counter',
    (a) => a.writeBytes,
  );
  add(
    new CollectedMetric(
      MetricName.tcpConnectionDurationMs,
      'Connection lifetimes, in ms.',
      'histogram',
      () => {
        const out: MetricValue[] = [];
        for (const a of tcp.values()) {
          if (a.duration.count > 0) a.duration.render(MetricName.tcpConnectionDurationMs, a.labels, out);
          for (const e of a.byErrno.values())
            e.duration.render(MetricName.tcpConnectionDurationMs, e.labels, out);
        }
        return out;
      },
    ),
  );
  add(
    new CollectedMetric(
      MetricName.processStartTimeSeconds,
      'Time that the process started (in seconds since the UNIX epoch).',
      'gauge',
      () => [{ labels: own, value: startedAt }],
    ),
  );
  add(
    new CollectedMetric('process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', () => [
      { labels: {}, value: process.memoryUsage.rss() },
    ]),
  );
}

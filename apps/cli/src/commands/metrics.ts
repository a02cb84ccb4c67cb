/**
 * `weft stat` (golden metrics per workload, like `linkerd viz stat`) and `weft edges` (who
 * calls whom, with mTLS state and golden metrics).
 */

import { type TimeWindow, TimeWindow as TimeWindowSchema } from '@weft/shared';
import { type Command, Option } from 'commander';
import { action } from '../context.ts';
import { colours, emit, millis, percent, rate, table } from '../output.ts';

function windowOption(): Option {
  return new Option('-w, --window <window>', 'time window of the metrics')
    .choices(TimeWindowSchema.options)
    .default('1m');
}

export function registerStat(program: Command): void {
  program
    .command('stat')
    .description('golden metrics (success rate, requests per second, latency) of each workload')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all)')
    .addOption(windowOption())
    .addHelpText(
      'after',
      `
Examples:
  $ weft stat
  $ weft stat -n demo --window 5m
  $ weft stat -o json`,
    )
    .action(
      action(async ({ api, format }, opts: { namespace?: string; window: TimeWindow }) => {
        const [workloads, metrics] = await Promise.all([
          api.workloads.list.query({ namespace: opts.namespace }),
          api.metrics.workloads.query({ namespace: opts.namespace, window: opts.window }),
        ]);
        const byName = new Map(metrics.map((m) => [`${m.namespace}/${m.name}`, m.metrics]));
        const rows = workloads.map((w) => ({
          namespace: w.namespace,
          name: w.name,
          meshed: w.meshed,
          ready: `${w.readyReplicas}/${w.replicas}`,
          window: opts.window,
          metrics: byName.get(`${w.namespace}/${w.name}`) ?? null,
        }));
        emit(format, rows, () =>
          table(
            [
              'NAMESPACE',
              'NAME',
              'MESHED',
              'READY',
              'SUCCESS',
              'RPS',
              'LATENCY_P50',
              'LATENCY_P95',
              'LATENCY_P99',
            ],
            rows.map((r) => [
              r.namespace,
              r.name,
              r.meshed ? 'yes' : colours.dim('no'),
              r.ready,
              percent(r.metrics?.successRate ?? null),
              rate(r.metrics?.rps ?? 0),
              millis(r.metrics?.latencyP50Ms ?? null),
              millis(r.metrics?.latencyP95Ms ?? null),
              millis(r.metrics?.latencyP99Ms ?? null),
            ]),
          ),
        );
      }),
    );
}

export function registerEdges(program: Command): void {
  program
    .command('edges')
    .description('the connections between workloads, with their mTLS state and golden metrics')
    .argument('[workload]', 'only the edges in and out of this workload (needs -n)')
    .option('-n, --namespace <namespace>', 'only edges touching this namespace')
    .addOption(windowOption())
    .addHelpText(
      'after',
      `
Examples:
  $ weft edges
  $ weft edges -n demo
  $ weft edges web -n demo --window 5m`,
    )
    .action(
      action(
        async (
          { api, format },
          workload: string | undefined,
          opts: { namespace?: string; window: TimeWindow },
        ) => {
          const edges =
            workload === undefined
              ? (await api.topology.graph.query({ window: opts.window, namespace: opts.namespace })).edges
              : await api.topology.edges.query({
                  namespace: opts.namespace ?? 'default',
                  name: workload,
                  window: opts.window,
                });
          emit(format, edges, () =>
            table(
              ['SRC', 'DST', 'SRC_NS', 'DST_NS', 'SECURED', 'SUCCESS', 'RPS', 'LATENCY_P99'],
              edges.map((e) => [
                e.source.name,
                e.destination.name,
                e.source.namespace,
                e.destination.namespace,
                e.secured
                  ? colours.green('√')
                  : e.securedShare > 0
                    ? `${Math.round(e.securedShare * 100)}%`
                    : colours.red('×'),
                percent(e.metrics.successRate),
                rate(e.metrics.rps),
                millis(e.metrics.latencyP99Ms),
              ]),
            ),
          );
        },
      ),
    );
}

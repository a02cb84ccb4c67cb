/**
 * The topology: who calls whom, with golden metrics per edge. As in Linkerd viz's
 * `edges.go`, an edge is what a source workload's proxies counted on the outbound side
 * towards a destination workload (`namespace`/`deployment` → `dst_namespace`/
 * `dst_deployment`, across namespaces); it is secured when all its traffic was mTLS
 * (`tls="true"`). Callers without a proxy are seen only by the destination's inbound
 * side, as plaintext traffic without a client identity: they become edges marked
 * `sourceUnmeshed`, from the `src_*` workload when the proxy knew it, else from a node
 * named `UNKNOWN_SOURCE` in the destination's namespace. Nodes are every workload the
 * platform lists (meshed or not) plus any edge end it does not.
 */
import {
  type Edge,
  type GoldenMetrics,
  meshIdentity,
  type TimeWindow,
  type Topology,
  type TopologyNode,
  UNKNOWN_SOURCE,
  WINDOW_SECONDS,
  type Workload,
} from '@weft/shared';
import type { GoldenRow, Matcher, MetricsBackend } from './backend.ts';
import { emptyGolden } from './golden.ts';
import type { MetricsPlatform } from './queries.ts';

const ref = (ns: string, name: string) => `${ns}/${name}`;

/** What to keep: everything, the edges touching a namespace, or those of one workload. */
export interface EdgeFilter {
  namespace?: string;
  workload?: string;
}

function keep(e: Edge, f: EdgeFilter): boolean {
  if (f.namespace === undefined) return true;
  const touches = (end: { namespace: string; name: string }) =>
    end.namespace === f.namespace && (f.workload === undefined || end.name === f.workload);
  return touches(e.source) || touches(e.destination);
}

export class TopologyQueries {
  constructor(
    private readonly backend: MetricsBackend,
    private readonly platform: MetricsPlatform,
  ) {}

  /** Edges seen in the window (filtered), sorted by source then destination. */
  async edges(window: TimeWindow, filter: EdgeFilter = {}, atMs?: number): Promise<Edge[]> {
    const seconds = WINDOW_SECONDS[window];
    const toWorkload: Matcher = { label: 'dst_deployment', op: '!=', value: '' };
    const [outbound, tlsCounts, inboundPlain] = await Promise.all([
      this.backend.golden({
        direction: 'outbound',
        match: [toWorkload],
        by: ['namespace', 'deployment', 'dst_namespace', 'dst_deployment'],
        seconds,
        atMs,
      }),
      this.backend.golden({
        direction: 'outbound',
        match: [toWorkload],
        by: ['namespace', 'deployment', 'dst_namespace', 'dst_deployment', 'tls', 'server_id'],
        seconds,
        atMs,
        quantiles: false,
      }),
      this.backend.golden({
        direction: 'inbound',
        match: [
          { label: 'tls', op: '!=', value: 'true' },
          { label: 'client_id', op: '=', value: '' },
        ],
        by: ['namespace', 'deployment', 'src_namespace', 'src_deployment'],
        seconds,
        atMs,
      }),
    ]);
    const workloads = new Map<string, Workload>();
    for (const w of this.platform.listWorkloads()) workloads.set(ref(w.namespace, w.name), w);
    const identityOf = (ns: string, name: string) => {
      const w = workloads.get(ref(ns, name));
      return w ? meshIdentity(w.serviceAccount, ns) : null;
    };

    const tls = new Map<string, { plain: number; serverId: string }>();
    for (const r of tlsCounts) {
      const k = edgeKey(r);
      const acc = tls.get(k) ?? { plain: 0, serverId: '' };
      if (r.labels.tls === 'true') acc.serverId ||= r.labels.server_id ?? '';
      else acc.plain += r.metrics.requests;
      tls.set(k, acc);
    }

    const edges: Edge[] = [];
    const sources = new Set<string>();
    for (const r of outbound) {
      const {
        namespace: sns = '',
        deployment: sname = '',
        dst_namespace: dns = '',
        dst_deployment: dname = '',
      } = r.labels;
      if (!sns || !sname || !dns || !dname) continue;
      const t = tls.get(edgeKey(r));
      const secured = t !== undefined && t.plain === 0;
      sources.add(ref(sns, sname));
      edges.push({
        source: { namespace: sns, name: sname },
        destination: { namespace: dns, name: dname },
        metrics: r.metrics,
        secured,
        clientIdentity: secured ? identityOf(sns, sname) : null,
        serverIdentity: secured ? t?.serverId || identityOf(dns, dname) : null,
        sourceUnmeshed: false,
      });
    }
    for (const r of inboundPlain) {
      const { namespace: dns = '', deployment: dname = '' } = r.labels;
      if (!dns || !dname) continue;
      let sns = r.labels.src_namespace ?? '';
      let sname = r.labels.src_deployment ?? '';
      if (sname) {
        const src = workloads.get(ref(sns || dns, sname));
        // A meshed caller's requests are already on its outbound edge.
        if (sources.has(ref(sns || dns, sname)) || (src !== undefined && src.meshedReplicas > 0)) continue;
        sns ||= dns;
      } else {
        sns = dns;
        sname = UNKNOWN_SOURCE;
      }
      edges.push({
        source: { namespace: sns, name: sname },
        destination: { namespace: dns, name: dname },
        metrics: r.metrics,
        secured: false,
        clientIdentity: null,
        serverIdentity: null,
        sourceUnmeshed: true,
      });
    }
    return edges.filter((e) => keep(e, filter)).sort((a, b) => edgeOrder(a).localeCompare(edgeOrder(b)));
  }

  /** The graph: nodes (workloads, with their inbound golden metrics when meshed) and edges. */
  async graph(window: TimeWindow, namespace?: string, atMs?: number): Promise<Topology> {
    const [edges, inbound] = await Promise.all([
      this.edges(window, { namespace }, atMs),
      this.backend.golden({
        direction: 'inbound',
        match: [],
        by: ['namespace', 'deployment'],
        seconds: WINDOW_SECONDS[window],
        atMs,
      }),
    ]);
    const metrics = new Map<string, GoldenMetrics>();
    for (const r of inbound) metrics.set(ref(r.labels.namespace ?? '', r.labels.deployment ?? ''), r.metrics);
    const nodes = new Map<string, TopologyNode>();
    for (const w of this.platform.listWorkloads(namespace)) {
      const k = ref(w.namespace, w.name);
      const meshed = w.meshedReplicas > 0;
      nodes.set(k, {
        namespace: w.namespace,
        name: w.name,
        meshed,
        metrics: metrics.get(k) ?? (meshed ? emptyGolden() : null),
      });
    }
    const outboundSources = new Set(
      edges.filter((e) => !e.sourceUnmeshed).map((e) => ref(e.source.namespace, e.source.name)),
    );
    for (const e of edges) {
      for (const end of [e.source, e.destination]) {
        const k = ref(end.namespace, end.name);
        if (nodes.has(k)) continue;
        const m = metrics.get(k);
        nodes.set(k, {
          namespace: end.namespace,
          name: end.name,
          meshed: m !== undefined || outboundSources.has(k),
          metrics: m ?? null,
        });
      }
    }
    const sorted = [...nodes.values()].sort((a, b) =>
      ref(a.namespace, a.name).localeCompare(ref(b.namespace, b.name)),
    );
    return { window, nodes: sorted, edges };
  }
}

function edgeKey(r: GoldenRow): string {
  const l = r.labels;
  return `${l.namespace}/${l.deployment}>${l.dst_namespace}/${l.dst_deployment}`;
}

function edgeOrder(e: Edge): string {
  return `${e.source.namespace}/${e.source.name}>${e.destination.namespace}/${e.destination.name}`;
}

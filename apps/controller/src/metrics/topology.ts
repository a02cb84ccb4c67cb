/**
 * The topology: who calls whom, with golden metrics per edge. A call is counted by the
 * caller's proxy on its outbound side (`namespace`/`deployment` → `dst_namespace`/
 * `dst_deployment`, as in Linkerd viz's `edges.go`) and by the callee's proxy on its
 * inbound side, which names the caller by the identity it proved over mTLS (`client_id`)
 * or, for plaintext, by the pod whose address the caller came from (`src_addr`: an
 * unmeshed caller is named after its workload). Both views of a pair
 * are merged into one edge (see edge-views.ts); its mTLS state is the share of its
 * requests that were mTLS. Inbound traffic neither side can name becomes an edge from
 * `UNKNOWN_SOURCE`. Nodes are every workload the platform lists (meshed or not) plus any
 * edge end it does not.
 */
import {
  type Edge,
  type GoldenMetrics,
  meshIdentity,
  parseMeshIdentity,
  type TimeWindow,
  type Topology,
  type TopologyNode,
  UNKNOWN_SOURCE,
  WINDOW_SECONDS,
  type Workload,
} from '@weft/shared';
import type { MetricsBackend } from './backend.ts';
import {
  addView,
  type EdgeView,
  fuller,
  scaleGolden,
  securedShareOf,
  UNATTRIBUTED_TOLERANCE,
} from './edge-views.ts';
import { emptyGolden } from './golden.ts';
import type { MetricsPlatform } from './queries.ts';

const ref = (ns: string, name: string) => `${ns}/${name}`;
const pairKey = (src: string, dst: string) => `${src}>${dst}`;

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

interface End {
  namespace: string;
  name: string;
}

/** The workloads the platform lists, by reference and by mesh identity. */
class WorkloadIndex {
  private readonly byRef = new Map<string, Workload>();
  private readonly byIdentity = new Map<string, Workload[]>();

  constructor(workloads: readonly Workload[]) {
    for (const w of workloads) {
      this.byRef.set(ref(w.namespace, w.name), w);
      const k = `${w.serviceAccount}.${w.namespace}`;
      this.byIdentity.set(k, [...(this.byIdentity.get(k) ?? []), w]);
    }
  }

  identityOf(end: End): string | null {
    const w = this.byRef.get(ref(end.namespace, end.name));
    return w ? meshIdentity(w.serviceAccount, end.namespace) : null;
  }

  meshed(end: End): boolean {
    return (this.byRef.get(ref(end.namespace, end.name))?.meshedReplicas ?? 0) > 0;
  }

  /**
   * The workload that proved `identity`: when several share its service account, the one
   * whose outbound side counted calls to `dst` (`outboundTo`), else undefined.
   */
  callerWithIdentity(
    identity: string,
    dst: string,
    outboundTo: (src: string, dst: string) => boolean,
  ): End | undefined {
    const id = parseMeshIdentity(identity);
    if (!id) return undefined;
    const candidates = this.byIdentity.get(`${id.serviceAccount}.${id.namespace}`) ?? [];
    if (candidates.length === 1) return candidates[0];
    return candidates.find((w) => outboundTo(ref(w.namespace, w.name), dst));
  }
}

interface Pair {
  source: End;
  destination: End;
  outbound?: EdgeView;
  inbound?: EdgeView;
}

export class TopologyQueries {
  constructor(
    private readonly backend: MetricsBackend,
    private readonly platform: MetricsPlatform,
  ) {}

  /** Edges seen in the window (filtered), sorted by source then destination. */
  edges(window: TimeWindow, filter: EdgeFilter = {}, atMs?: number): Promise<Edge[]> {
    return this.edgesOver(WINDOW_SECONDS[window], filter, atMs);
  }

  /** Edges seen in the last `seconds` (filtered), sorted by source then destination. */
  async edgesOver(seconds: number, filter: EdgeFilter = {}, atMs?: number): Promise<Edge[]> {
    const toWorkload = { label: 'dst_deployment', op: '!=', value: '' } as const;
    const [outbound, outboundTls, inbound] = await Promise.all([
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
        match: [],
        by: ['namespace', 'deployment', 'src_namespace', 'src_deployment', 'tls', 'client_id', 'src_addr'],
        seconds,
        atMs,
      }),
    ]);
    const index = new WorkloadIndex(this.platform.listWorkloads());
    const podsByAddress = new Map<string, End>();
    for (const pod of this.platform.listPods())
      podsByAddress.set(pod.ip, { namespace: pod.namespace, name: pod.workload });
    const pairs = new Map<string, Pair>();
    const pairOf = (source: End, destination: End): Pair => {
      const k = pairKey(ref(source.namespace, source.name), ref(destination.namespace, destination.name));
      let p = pairs.get(k);
      if (!p) {
        p = { source, destination };
        pairs.set(k, p);
      }
      return p;
    };

    for (const r of outbound) {
      const { namespace: sns, deployment: sname, dst_namespace: dns, dst_deployment: dname } = r.labels;
      if (!sns || !sname || !dns || !dname) continue;
      const p = pairOf({ namespace: sns, name: sname }, { namespace: dns, name: dname });
      p.outbound = { metrics: r.metrics, securedRequests: 0, identity: '' };
    }
    for (const r of outboundTls) {
      const { namespace: sns, deployment: sname, dst_namespace: dns, dst_deployment: dname } = r.labels;
      const v = pairs.get(pairKey(ref(sns ?? '', sname ?? ''), ref(dns ?? '', dname ?? '')))?.outbound;
      if (!v || r.labels.tls !== 'true') continue;
      v.securedRequests += r.metrics.requests;
      v.identity ||= r.labels.server_id ?? '';
    }

    const hasOutbound = (src: string, dst: string) => pairs.get(pairKey(src, dst))?.outbound !== undefined;
    /** Inbound requests no side could tie to a caller, per destination. */
    const unattributed = new Map<string, { destination: End; view: EdgeView }>();
    for (const r of inbound) {
      const { namespace: dns, deployment: dname } = r.labels;
      if (!dns || !dname) continue;
      const destination = { namespace: dns, name: dname };
      const dst = ref(dns, dname);
      const clientId = r.labels.client_id ?? '';
      const view: EdgeView = {
        metrics: r.metrics,
        securedRequests: r.labels.tls === 'true' ? r.metrics.requests : 0,
        identity: clientId,
      };
      let source: End | undefined;
      if (clientId) source = index.callerWithIdentity(clientId, dst, hasOutbound);
      else if (r.labels.src_deployment) {
        source = { namespace: r.labels.src_namespace || dns, name: r.labels.src_deployment };
      } else if (r.labels.src_addr) source = podsByAddress.get(r.labels.src_addr);
      if (source) {
        const p = pairOf(source, destination);
        p.inbound = addView(p.inbound, view);
      } else {
        const u = unattributed.get(dst);
        unattributed.set(dst, { destination, view: addView(u?.view, view) });
      }
    }

    const edges: Edge[] = [];
    /** Outbound requests per destination that its inbound side did not tie to their caller. */
    const unmatchedOutbound = new Map<string, number>();
    for (const p of pairs.values()) {
      const view = fuller(p.outbound, p.inbound);
      if (!view) continue;
      const dst = ref(p.destination.namespace, p.destination.name);
      if (p.outbound) {
        const missed = p.outbound.metrics.requests - (p.inbound?.metrics.requests ?? 0);
        if (missed > 0) unmatchedOutbound.set(dst, (unmatchedOutbound.get(dst) ?? 0) + missed);
      }
      const share = securedShareOf(view);
      const secured = share > 0;
      edges.push({
        source: p.source,
        destination: p.destination,
        metrics: view.metrics,
        secured: share === 1,
        securedShare: share,
        clientIdentity: secured ? p.inbound?.identity || index.identityOf(p.source) : null,
        serverIdentity: secured ? p.outbound?.identity || index.identityOf(p.destination) : null,
        sourceUnmeshed: p.outbound === undefined && !secured && !index.meshed(p.source),
      });
    }
    for (const [dst, u] of unattributed) {
      const total = u.view.metrics.requests;
      const left = total - (unmatchedOutbound.get(dst) ?? 0);
      if (left < 1 || left <= total * UNATTRIBUTED_TOLERANCE) continue;
      const factor = left / total;
      const share = securedShareOf(u.view);
      edges.push({
        source: { namespace: u.destination.namespace, name: UNKNOWN_SOURCE },
        destination: u.destination,
        metrics: scaleGolden(u.view.metrics, factor),
        secured: share === 1,
        securedShare: share,
        clientIdentity: null,
        serverIdentity: share > 0 ? index.identityOf(u.destination) : null,
        sourceUnmeshed: share === 0,
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
      edges
        .filter((e) => !e.sourceUnmeshed && e.source.name !== UNKNOWN_SOURCE)
        .map((e) => ref(e.source.namespace, e.source.name)),
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

function edgeOrder(e: Edge): string {
  return `${e.source.namespace}/${e.source.name}>${e.destination.namespace}/${e.destination.name}`;
}

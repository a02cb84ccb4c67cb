/**
 * Test support: the cluster's own controllers, played for the fake API server (apart
 * from its faithful REST part): Deployments → ReplicaSets (one per pod-template hash,
 * rolled over as the new one becomes ready) → Pods; a kubelet that gives each pod an
 * address and marks it running and ready; EndpointSlices for every Service with a
 * selector; garbage collection of what lost its owner. Level-triggered: every change
 * schedules one pass over everything. Pods are created through the server, so
 * mutating admission sees them.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './patch.ts';
import type { FakeApiServer } from './server.ts';

const DEPLOYMENTS = 'apps/v1/deployments';
const REPLICASETS = 'apps/v1/replicasets';
const PODS = 'v1/pods';
const SERVICES = 'v1/services';
const SLICES = 'discovery.k8s.io/v1/endpointslices';

type Labels = Record<string, string>;
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects read by path.
type Obj = any;

const labelsOf = (o: Obj): Labels => (o.metadata.labels ?? {}) as Labels;
const matches = (selector: Labels, labels: Labels) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
const ownedBy = (o: Obj, owner: Obj) =>
  ((o.metadata.ownerReferences ?? []) as JsonObject[]).some((r) => r.uid === owner.metadata.uid);
const isReady = (pod: Obj) =>
  ((pod.status?.conditions ?? []) as JsonObject[]).some((c) => c.type === 'Ready' && c.status === 'True');

export interface FakeClusterOptions {
  /** How long the kubelet takes to start a pod. */
  podStartMs?: number;
}

export class FakeCluster {
  readonly #server: FakeApiServer;
  readonly #podStartMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  #nextIp = 1;
  readonly #logs = new Map<string, string[]>();
  readonly #starting = new Set<string>();
  readonly #unsubscribe: () => void;

  constructor(server: FakeApiServer, options: FakeClusterOptions = {}) {
    this.#server = server;
    this.#podStartMs = options.podStartMs ?? 50;
    this.#unsubscribe = server.store.subscribe(() => this.#schedule());
    server.serveLogs((namespace, pod, container) => this.#logs.get(`${namespace}/${pod}/${container}`) ?? []);
  }

  stop(): void {
    this.#unsubscribe();
    clearTimeout(this.#timer);
  }

  #schedule() {
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#pass(), 5);
  }

  async #pass() {
    this.#running = true;
    this.#again = false;
    try {
      this.#collectGarbage();
      for (const d of this.#list(DEPLOYMENTS)) await this.#deployment(d);
      for (const rs of this.#list(REPLICASETS)) await this.#replicaSet(rs);
      for (const pod of this.#list(PODS)) this.#kubelet(pod);
      for (const svc of this.#list(SERVICES)) this.#endpointSlice(svc);
    } catch (err) {
      console.error(`[fake cluster] ${(err as Error).message}`);
    } finally {
      this.#running = false;
      if (this.#again) this.#schedule();
    }
  }

  #list(resource: string): Obj[] {
    return this.#server.store.list(resource) as Obj[];
  }

  #write(resource: string, before: Obj, after: Obj) {
    if (JSON.stringify(before) !== JSON.stringify(after)) this.#server.store.update(resource, after);
  }

  #collectGarbage() {
    const store = this.#server.store;
    const uids = new Set<unknown>();
    for (const resource of [DEPLOYMENTS, REPLICASETS])
      for (const o of this.#list(resource)) uids.add(o.metadata.uid);
    for (const resource of [REPLICASETS, PODS]) {
      for (const o of this.#list(resource)) {
        const owners = (o.metadata.ownerReferences ?? []) as JsonObject[];
        if (owners.length > 0 && !owners.some((r) => uids.has(r.uid)))
          store.delete(resource, o.metadata.namespace, o.metadata.name);
      }
    }
  }

  /** One ReplicaSet per template; the new one scaled up, old ones down as new pods get ready. */
  async #deployment(d: Obj) {
    const { namespace, name } = d.metadata;
    const replicas: number = d.spec.replicas ?? 1;
    const hash = createHash('sha256').update(JSON.stringify(d.spec.template)).digest('hex').slice(0, 10);
    const owned = this.#list(REPLICASETS).filter(
      (rs) => rs.metadata.namespace === namespace && ownedBy(rs, d),
    );
    let current = owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
    if (!current) {
      const template = structuredClone(d.spec.template);
      template.metadata = {
        ...template.metadata,
        labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
      };
      current = (await this.#server.create('apps/v1', 'ReplicaSet', namespace, {
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          labels: { ...d.spec.selector?.matchLabels, 'pod-template-hash': hash },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata.uid, controller: true },
          ],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { ...d.spec.selector?.matchLabels, 'pod-template-hash': hash } },
          template,
        },
      })) as Obj;
    }
    const old = owned.filter((rs) => rs !== current);
    const newReady = this.#podsOf(current).filter(isReady).length;
    this.#write(REPLICASETS, current, { ...current, spec: { ...current.spec, replicas } });
    // Old pods go as new ones become ready (maxUnavailable 0).
    let budget = Math.max(0, old.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0) + newReady - replicas);
    for (const rs of old) {
      const down = Math.min(rs.spec.replicas ?? 0, budget);
      budget -= down;
      this.#write(REPLICASETS, rs, { ...rs, spec: { ...rs.spec, replicas: (rs.spec.replicas ?? 0) - down } });
    }
    const all = owned.flatMap((rs) => this.#podsOf(rs));
    const updated = this.#podsOf(current);
    const ready = all.filter(isReady).length;
    const done = updated.length === replicas && all.length === replicas && ready === replicas;
    const fresh = this.#server.store.get(DEPLOYMENTS, namespace, name) as Obj | undefined;
    if (!fresh) return;
    this.#write(DEPLOYMENTS, fresh, {
      ...fresh,
      status: {
        observedGeneration: fresh.metadata.generation,
        replicas: all.length,
        updatedReplicas: updated.length,
        readyReplicas: ready,
        availableReplicas: ready,
        ...(ready < replicas ? { unavailableReplicas: replicas - ready } : {}),
        conditions: [
          {
            type: 'Progressing',
            status: 'True',
            reason: done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
            message: `ReplicaSet "${current.metadata.name}" ${done ? 'has successfully progressed' : 'is progressing'}.`,
          },
          {
            type: 'Available',
            status: ready >= replicas ? 'True' : 'False',
            reason: 'MinimumReplicasAvailable',
          },
        ],
      },
    });
  }

  #podsOf(rs: Obj): Obj[] {
    return this.#list(PODS).filter((p) => p.metadata.namespace === rs.metadata.namespace && ownedBy(p, rs));
  }

  async #replicaSet(rs: Obj) {
    const { namespace, name } = rs.metadata;
    const want: number = rs.spec.replicas ?? 1;
    const pods = this.#podsOf(rs).sort((a, b) =>
      String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
    );
    for (let i = pods.length; i < want; i++) {
      await this.#server.create('v1', 'Pod', namespace, {
        metadata: {
          generateName: `${name}-`,
          namespace,
          labels: rs.spec.template.metadata?.labels ?? {},
          annotations: rs.spec.template.metadata?.annotations ?? {},
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: rs.metadata.uid, controller: true },
          ],
        },
        spec: rs.spec.template.spec,
      });
    }
    // Not-ready pods go first, then the newest.
    const extra = pods
      .sort((a, b) => Number(isReady(a)) - Number(isReady(b)))
      .slice(0, Math.max(0, pods.length - want));
    for (const pod of extra) this.#server.store.delete(PODS, namespace, pod.metadata.name);
    const fresh = this.#server.store.get(REPLICASETS, namespace, name) as Obj | undefined;
    if (!fresh) return;
    const now = this.#podsOf(fresh);
    this.#write(REPLICASETS, fresh, {
      ...fresh,
      status: {
        replicas: now.length,
        readyReplicas: now.filter(isReady).length,
        observedGeneration: fresh.metadata.generation,
      },
    });
  }

  /** Starts a new pod after a moment: an address, Running, every container ready. */
  #kubelet(pod: Obj) {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (pod.status?.phase || this.#starting.has(key)) return;
    this.#starting.add(key);
    const ip = `10.244.${Math.floor(this.#nextIp / 250)}.${(this.#nextIp % 250) + 1}`;
    this.#nextIp += 1;
    setTimeout(() => {
      this.#starting.delete(key);
      const current = this.#server.store.get(PODS, pod.metadata.namespace, pod.metadata.name) as
        | Obj
        | undefined;
      if (!current) return;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const containers = (current.spec.containers ?? []) as { name: string; image: string }[];
      for (const c of containers)
        this.#logs.set(`${key}/${c.name}`, [`${c.name} started in ${current.metadata.name}`]);
      this.#server.store.update(PODS, {
        ...current,
        status: {
          phase: 'Running',
          podIP: ip,
          podIPs: [{ ip }],
          hostIP: '10.0.0.1',
          startTime: now,
          conditions: [
            { type: 'Initialized', status: 'True' },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True' },
            { type: 'PodScheduled', status: 'True' },
          ],
          containerStatuses: containers.map((c) => ({
            name: c.name,
            image: c.image,
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: now } },
          })),
        },
      });
    }, this.#podStartMs);
  }

  /** One EndpointSlice per selecting Service, as the EndpointSlice controller keeps it. */
  #endpointSlice(svc: Obj) {
    const { namespace, name } = svc.metadata;
    const selector = (svc.spec.selector ?? {}) as Labels;
    if (Object.keys(selector).length === 0) return;
    const pods = this.#list(PODS).filter(
      (p) => p.metadata.namespace === namespace && p.status?.podIP && matches(selector, labelsOf(p)),
    );
    const containerPort = (ref: number | string) => {
      if (typeof ref === 'number') return ref;
      for (const p of pods)
        for (const c of p.spec.containers ?? [])
          for (const port of c.ports ?? []) if (port.name === ref) return port.containerPort as number;
      return undefined;
    };
    const body = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-slice`,
        namespace,
        labels: {
          'kubernetes.io/service-name': name,
          'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid, controller: true },
        ],
      },
      addressType: 'IPv4',
      ports: (svc.spec.ports ?? []).flatMap((p: JsonObject) => {
        const port = containerPort((p.targetPort as number | string | undefined) ?? (p.port as number));
        return port === undefined ? [] : [{ name: p.name ?? '', port, protocol: p.protocol ?? 'TCP' }];
      }),
      endpoints: pods
        .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)))
        .map((p) => ({
          addresses: [p.status.podIP],
          conditions: {
            ready: isReady(p) && !p.metadata.deletionTimestamp,
            serving: isReady(p),
            terminating: false,
          },
          targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid },
        })),
    };
    const existing = this.#server.store.get(SLICES, namespace, body.metadata.name) as Obj | undefined;
    if (!existing) {
      void this.#server.create('discovery.k8s.io/v1', 'EndpointSlice', namespace, body);
      return;
    }
    const next = { ...existing, ports: body.ports, endpoints: body.endpoints } as Obj;
    this.#write(SLICES, existing, next);
  }
}

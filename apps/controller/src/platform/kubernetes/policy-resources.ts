/**
 * Policy custom resources on Kubernetes: informers on each kind of `policy.weft.dev`, and
 * on the Gateway API and Linkerd kinds the store reads (`HTTPRoute`, `GRPCRoute` of
 * `gateway.networking.k8s.io` and `policy.linkerd.io`; Linkerd's `Server`,
 * `AuthorizationPolicy`, `MeshTLSAuthentication`, `NetworkAuthentication`), feed the
 * controller's policy store (every replica, so each serves the same policy). A kind
 * whose CRD the cluster lacks is retried in the background. For its own kinds the
 * leader writes each resource's status subresource back: the Gateway-API-style
 * conditions (Accepted, ResolvedRefs) the store computes, or Accepted False with the
 * reason the store refused the document. Resources removed from the cluster are removed
 * from the store. A round runs after changes (coalesced) and periodically, since a
 * Service appearing can resolve a reference.
 *
 * A change through the API to a kind this replica has not listed yet (it is starting, or
 * its last list failed and is tried again) is refused as `WEFT_NOT_READY`, to be tried
 * again; to a kind the cluster does not serve (its CRD not installed) as `WEFT_UNAVAILABLE`.
 *
 * The cluster is the shared state of the replicas: a change committed through the API
 * (dashboard, CLI, a canary's weights) on any replica is written to the cluster as the
 * corresponding resource (created, replaced or deleted; the author in the
 * `weft.dev/applied-by` annotation), so every replica's informers see it. Until that
 * write is done, the sync leaves the document alone; a write the API server refuses is
 * logged, and the next round then takes the cluster's version back.
 */
import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  GATEWAY_GROUP,
  LINKERD_POLICY_GROUP,
  type MeshError,
  type PolicyCondition,
  type PolicyListItem,
  type PolicyRefInput,
  policyKey,
  policyRefOf,
  WEFT_POLICY_GROUP,
} from '@weft/shared';
import { policyResourceKinds } from '../../install/crds.ts';
import type { PolicyChange } from '../../policy/change.ts';
import { failureOf, kindRefusal, type ListFailure, overlayRefusal } from './policy-refusal.ts';
import { APPLIED_BY_ANNOTATION, writePolicyResource } from './policy-writer.ts';

/** What the sync needs of the policy store (PolicyService). */
export interface PolicySink {
  apply(yaml: string, options?: { author?: string; fromCluster?: boolean }): unknown;
  delete(ref: PolicyRefInput, author?: string, options?: { fromCluster?: boolean }): unknown;
  list(namespace?: string): PolicyListItem[];
  /** Sends the changes not made by the cluster to `publish`. */
  publishTo(
    publish: (change: PolicyChange) => void,
    refusal?: (change: PolicyChange) => MeshError | undefined,
  ): void;
}

const AUTHOR = 'kubernetes';

const COALESCE_MS = 100;
const RESYNC_MS = 10_000;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** One kind the sync watches; `status` when the controller owns its status subresource. */
export interface WatchedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  status: boolean;
}

/**
 * The Gateway API and Linkerd kinds read from the cluster, at the versions the store
 * accepts; a kind others refer to comes first, so one round applies both.
 */
export const FOREIGN_POLICY_KINDS: readonly WatchedKind[] = [
  { group: GATEWAY_GROUP, version: 'v1', kind: 'HTTPRoute', plural: 'httproutes', status: false },
  { group: GATEWAY_GROUP, version: 'v1', kind: 'GRPCRoute', plural: 'grpcroutes', status: false },
  { group: LINKERD_POLICY_GROUP, version: 'v1beta3', kind: 'HTTPRoute', plural: 'httproutes', status: false },
  { group: LINKERD_POLICY_GROUP, version: 'v1beta3', kind: 'GRPCRoute', plural: 'grpcroutes', status: false },
  { group: LINKERD_POLICY_GROUP, version: 'v1beta1', kind: 'Server', plural: 'servers', status: false },
  {
    group: LINKERD_POLICY_GROUP,
    version: 'v1alpha1',
    kind: 'MeshTLSAuthentication',
    plural: 'meshtlsauthentications',
    status: false,
  },
  {
    group: LINKERD_POLICY_GROUP,
    version: 'v1alpha1',
    kind: 'NetworkAuthentication',
    plural: 'networkauthentications',
    status: false,
  },
  {
    group: LINKERD_POLICY_GROUP,
    version: 'v1alpha1',
    kind: 'AuthorizationPolicy',
    plural: 'authorizationpolicies',
    status: false,
  },
];

/** Every kind the sync watches: Weft's own (status written) and the foreign ones. */
export function watchedPolicyKinds(): WatchedKind[] {
  return [
    ...policyResourceKinds().map(({ kind, plural, versions }) => ({
      group: WEFT_POLICY_GROUP,
      version: versions[0] as string,
      kind,
      plural,
      status: true,
    })),
    ...FOREIGN_POLICY_KINDS,
  ];
}

/** Kinds of the store the cluster is the source of, as `group/kind`. */
const kindKey = (group: string, kind: string) => `${group}/${kind}`;

interface Wanted {
  group: string;
  status: boolean;
  kind: string;
  plural: string;
  version: string;
  object: PolicyObject;
  key: string;
}

type PolicyObject = KubernetesObject & { spec?: unknown; status?: { conditions?: PolicyCondition[] } };

/** Whether an informer has listed its kind (the cache's resource version; the informer type leaves it out). */
const hasListed = (informer: unknown) =>
  (informer as { latestResourceVersion(): string }).latestResourceVersion() !== '';

export class PolicyResourceSync {
  readonly #custom: CustomObjectsApi;
  readonly #policy: PolicySink;
  readonly #leading: () => boolean;
  readonly #informers: (WatchedKind & { informer: ReturnType<typeof makeInformer<PolicyObject>> })[];
  readonly #kinds: Set<string>;
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  /** Documents the store refused, by policy key: why. */
  readonly #refused = new Map<string, string>();
  /** Documents being written to the cluster, by policy key: how many writes are in flight. */
  readonly #writing = new Map<string, number>();
  readonly #byKind: Map<string, WatchedKind>;
  /** Kinds whose last list or watch failed, by kind key: why, and whether the cluster does not serve the kind (404). */
  readonly #failing = new Map<string, ListFailure>();

  constructor(kc: KubeConfig, policy: PolicySink, leading: () => boolean) {
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#policy = policy;
    this.#leading = leading;
    const kinds = watchedPolicyKinds();
    this.#kinds = new Set(kinds.map((k) => kindKey(k.group, k.kind)));
    this.#byKind = new Map(kinds.map((k) => [kindKey(k.group, k.kind), k]));
    policy.publishTo(
      (change) => this.publish(change),
      (change) => this.refusal(change),
    );
    this.#informers = kinds.map((k) => {
      const { group, version, plural } = k;
      const key = kindKey(group, k.kind);
      // A failure is forgotten once a list succeeds, or a watch resumes after one.
      const informer = makeInformer<PolicyObject>(kc, `/apis/${group}/${version}/${plural}`, () =>
        this.#custom.listClusterCustomObject({ group, version, plural }).then((list) => {
          this.#failing.delete(key);
          return list;
        }),
      );
      informer.on('change', () => this.schedule());
      informer.on('connect', () => {
        if (hasListed(informer)) this.#failing.delete(key);
      });
      informer.on('error', (err: unknown) => {
        this.#failing.set(key, failureOf(err));
        // A kind whose CRD is not installed (yet) is tried again, quietly.
        setTimeout(() => void informer.start().catch(() => {}), 2000).unref();
      });
      return { ...k, informer };
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.#informers.map((i) => i.informer.start().catch(() => {})));
    this.#resync = setInterval(() => this.schedule(), RESYNC_MS);
    this.#resync.unref();
    this.schedule();
  }

  async stop(): Promise<void> {
    clearInterval(this.#resync);
    clearTimeout(this.#timer);
    await Promise.all(this.#informers.map((i) => i.informer.stop()));
  }

  /** Runs a round soon (once for a burst of changes). */
  schedule(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#round(), COALESCE_MS);
  }

  async #round() {
    this.#running = true;
    this.#again = false;
    try {
      const wanted = this.#syncStore();
      if (this.#leading()) await this.#writeStatus(wanted);
    } catch (err) {
      console.error(`[kubernetes] policy resources: ${(err as Error).message}`);
    } finally {
      this.#running = false;
      if (this.#again) this.schedule();
    }
  }

  /** Makes the store's documents of the watched kinds those of the cluster; returns the resources seen. */
  #syncStore(): Wanted[] {
    const wanted: Wanted[] = this.#informers.flatMap(({ group, status, kind, plural, version, informer }) =>
      informer.list().map((object) => ({
        group,
        status,
        kind,
        plural,
        version,
        object,
        key: policyKey({
          group,
          kind,
          namespace: object.metadata?.namespace ?? 'default',
          name: object.metadata?.name ?? '',
        }),
      })),
    );
    const stored = new Map(
      this.#policy
        .list()
        .filter((item) => this.#kinds.has(kindKey(item.status.ref.group, item.status.ref.kind)))
        .map((item) => [policyKey(item.status.ref), item]),
    );
    for (const w of wanted) {
      const document = {
        apiVersion: `${w.group}/${w.version}`,
        kind: w.kind,
        metadata: {
          name: w.object.metadata?.name,
          namespace: w.object.metadata?.namespace,
          ...(w.object.metadata?.labels ? { labels: w.object.metadata.labels } : {}),
        },
        spec: w.object.spec,
      };
      const current = stored.get(w.key);
      if (this.#writing.has(w.key)) continue;
      if (current && JSON.stringify(current.document.spec) === JSON.stringify(w.object.spec)) continue;
      const author = w.object.metadata?.annotations?.[APPLIED_BY_ANNOTATION] ?? AUTHOR;
      try {
        this.#policy.apply(JSON.stringify(document), { author, fromCluster: true });
        this.#refused.delete(w.key);
      } catch (err) {
        const why = (err as Error).message;
        // A foreign kind has no status of ours to carry the reason: it is logged, once per reason.
        if (!w.status && this.#refused.get(w.key) !== why)
          console.warn(`[kubernetes] policy resource ${w.key} not applied: ${why}`);
        this.#refused.set(w.key, why);
      }
    }
    const keys = new Set(wanted.map((w) => w.key));
    for (const [key, item] of stored) {
      if (keys.has(key) || this.#writing.has(key)) continue;
      try {
        this.#policy.delete(item.status.ref, AUTHOR, { fromCluster: true });
      } catch (err) {
        console.error(`[kubernetes] cannot remove ${key}: ${(err as Error).message}`);
      }
    }
    return wanted;
  }

  /**
   * Why `change` cannot be written to the cluster: a kind this replica has not listed yet
   * (`WEFT_NOT_READY`: it is starting, or its last list failed; try again), a kind the
   * cluster does not serve (its CRD not installed; such a document would be taken back at
   * the next round), or an annotation overlay changed on a replica not holding the Lease.
   */
  refusal(change: PolicyChange): MeshError | undefined {
    for (const d of [...change.upsert, ...change.remove]) {
      const key = kindKey(policyRefOf(d).group, d.kind);
      const kind = this.#byKind.get(key);
      const informer = this.#informers.find((i) => kindKey(i.group, i.kind) === key)?.informer;
      const what = `${d.kind} ${d.metadata.namespace ?? 'default'}/${d.metadata.name}`;
      // Kinds that are no resource of their own (annotation overlays) live in the history
      // the Lease holder keeps; another replica's change would be lost when it adopts it.
      if (!kind && !this.#leading()) return overlayRefusal(what, d.kind);
      if (!kind || !informer) continue;
      const resource = `${kind.plural}.${kind.group}/${kind.version}`;
      const refused = kindRefusal(what, resource, hasListed(informer), this.#failing.get(key));
      if (refused) return refused;
    }
    return undefined;
  }

  /** Writes a change committed through the API to the cluster (any replica; the API server orders them). */
  publish(change: PolicyChange): void {
    const writes = [
      ...change.upsert.map((d) => ({ d, remove: false })),
      ...change.remove.map((d) => ({ d, remove: true })),
    ].filter(({ d }) => this.#byKind.has(kindKey(policyRefOf(d).group, d.kind)));
    for (const { d, remove } of writes) {
      const key = policyKey(policyRefOf(d));
      this.#writing.set(key, (this.#writing.get(key) ?? 0) + 1);
      void writePolicyResource(
        this.#custom,
        this.#byKind.get(kindKey(policyRefOf(d).group, d.kind)) as WatchedKind,
        d,
        remove,
        change.author,
      ).finally(() => {
        const left = (this.#writing.get(key) ?? 1) - 1;
        if (left > 0) this.#writing.set(key, left);
        else this.#writing.delete(key);
        this.schedule();
      });
    }
  }

  async #writeStatus(wanted: Wanted[]) {
    const statuses = new Map(
      this.#policy.list().map((item) => [policyKey(item.status.ref), item.status.conditions]),
    );
    for (const w of wanted) {
      if (!w.status) continue;
      const refused = this.#refused.get(w.key);
      const conditions: PolicyCondition[] = refused
        ? [{ type: 'Accepted', status: 'False', reason: 'Invalid', message: refused }]
        : (statuses.get(w.key) ?? []);
      const generation = (w.object.metadata as { generation?: number } | undefined)?.generation;
      const status = {
        conditions: conditions.map((c) => ({
          ...c,
          ...(generation !== undefined ? { observedGeneration: generation } : {}),
        })),
      };
      const same =
        JSON.stringify(
          (w.object.status?.conditions ?? []).map(({ type, status: s, reason, message }) => ({
            type,
            status: s,
            reason,
            message,
          })),
        ) ===
        JSON.stringify(
          conditions.map(({ type, status: s, reason, message }) => ({ type, status: s, reason, message })),
        );
      if (same) continue;
      try {
        await this.#custom.patchNamespacedCustomObjectStatus(
          {
            group: w.group,
            version: w.version,
            plural: w.plural,
            namespace: w.object.metadata?.namespace ?? 'default',
            name: w.object.metadata?.name ?? '',
            body: { status },
          },
          MERGE_PATCH,
        );
      } catch (err) {
        console.error(`[kubernetes] cannot write the status of ${w.key}: ${(err as Error).message}`);
      }
    }
  }
}

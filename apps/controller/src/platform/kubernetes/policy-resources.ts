/**
 * Policy custom resources (`policy.weft.dev`) on Kubernetes: informers on each kind feed
 * the controller's policy store (every replica, so each serves the same policy), and
 * the leader writes each resource's status subresource back: the Gateway-API-style
 * conditions (Accepted, ResolvedRefs) the store computes, or Accepted False with the
 * reason the store refused the document. Resources removed from the cluster are removed
 * from the store. A round runs after changes (coalesced) and periodically, since a
 * Service appearing can resolve a reference.
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
  type PolicyCondition,
  type PolicyListItem,
  type PolicyRefInput,
  policyKey,
  WEFT_POLICY_GROUP,
} from '@weft/shared';
import { policyResourceKinds } from '../../install/crds.ts';

/** What the sync needs of the policy store (PolicyService). */
export interface PolicySink {
  apply(yaml: string, options?: { author?: string }): unknown;
  delete(ref: PolicyRefInput, author?: string): unknown;
  list(namespace?: string): PolicyListItem[];
}

const AUTHOR = 'kubernetes';
const COALESCE_MS = 100;
const RESYNC_MS = 10_000;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Wanted {
  kind: string;
  plural: string;
  version: string;
  object: PolicyObject;
  key: string;
}

type PolicyObject = KubernetesObject & { spec?: unknown; status?: { conditions?: PolicyCondition[] } };

export class PolicyResourceSync {
  readonly #custom: CustomObjectsApi;
  readonly #policy: PolicySink;
  readonly #leading: () => boolean;
  readonly #informers: {
    kind: string;
    plural: string;
    version: string;
    informer: ReturnType<typeof makeInformer<PolicyObject>>;
  }[];
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  /** Documents the store refused, by policy key: why. */
  readonly #refused = new Map<string, string>();

  constructor(kc: KubeConfig, policy: PolicySink, leading: () => boolean) {
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#policy = policy;
    this.#leading = leading;
    this.#informers = policyResourceKinds().map(({ kind, plural, versions }) => {
      const version = versions[0] as string;
      const informer = makeInformer<PolicyObject>(kc, `/apis/${WEFT_POLICY_GROUP}/${version}/${plural}`, () =>
        this.#custom.listClusterCustomObject({ group: WEFT_POLICY_GROUP, version, plural }),
      );
      informer.on('change', () => this.schedule());
      informer.on('error', () => {
        setTimeout(() => void informer.start().catch(() => {}), 2000).unref();
      });
      return { kind, plural, version, informer };
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

  /** Makes the store's documents of our group those of the cluster; returns the resources seen. */
  #syncStore(): Wanted[] {
    const wanted: Wanted[] = this.#informers.flatMap(({ kind, plural, version, informer }) =>
      informer.list().map((object) => ({
        kind,
        plural,
        version,
        object,
        key: policyKey({
          group: WEFT_POLICY_GROUP,
          kind,
          namespace: object.metadata?.namespace ?? 'default',
          name: object.metadata?.name ?? '',
        }),
      })),
    );
    const stored = new Map(
      this.#policy
        .list()
        .filter((item) => item.status.ref.group === WEFT_POLICY_GROUP)
        .map((item) => [policyKey(item.status.ref), item]),
    );
    for (const w of wanted) {
      const document = {
        apiVersion: `${WEFT_POLICY_GROUP}/${w.version}`,
        kind: w.kind,
        metadata: {
          name: w.object.metadata?.name,
          namespace: w.object.metadata?.namespace,
          ...(w.object.metadata?.labels ? { labels: w.object.metadata.labels } : {}),
        },
        spec: w.object.spec,
      };
      const current = stored.get(w.key);
      if (current && JSON.stringify(current.document.spec) === JSON.stringify(w.object.spec)) continue;
      try {
        this.#policy.apply(JSON.stringify(document), { author: AUTHOR });
        this.#refused.delete(w.key);
      } catch (err) {
        this.#refused.set(w.key, (err as Error).message);
      }
    }
    const keys = new Set(wanted.map((w) => w.key));
    for (const [key, item] of stored) {
      if (keys.has(key)) continue;
      try {
        this.#policy.delete(item.status.ref, AUTHOR);
      } catch (err) {
        console.error(`[kubernetes] cannot remove ${key}: ${(err as Error).message}`);
      }
    }
    return wanted;
  }

  async #writeStatus(wanted: Wanted[]) {
    const statuses = new Map(
      this.#policy.list().map((item) => [policyKey(item.status.ref), item.status.conditions]),
    );
    for (const w of wanted) {
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
            group: WEFT_POLICY_GROUP,
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

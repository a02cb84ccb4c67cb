/**
 * The trust anchors in every namespace with meshed pods, as Istio keeps
 * `istio-ca-root-cert`: a ConfigMap volume cannot cross namespaces, so the Lease holder
 * keeps a copy of `weft-identity-trust-roots` (`trust-anchor.pem`, `trust-domain`) in each
 * namespace that has injected pods or asks for injection, and rewrites the copies when
 * the anchors change (a rotation). Every replica watches the copies (labelled
 * `weft.dev/trust-roots`), so its webhook can make the injected volume required where
 * one exists. Copies in namespaces no longer meshed are left in place (a pod may still
 * mount one).
 */
import { CoreV1Api, type KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { INJECT_ANNOTATION, PROXY_CONTAINER, TRUST_ROOTS_CONFIGMAP, TRUST_ROOTS_LABEL } from '@weft/shared';
import type { ClusterCache } from './cluster-cache.ts';

const COALESCE_MS = 200;
const RESYNC_MS = 30_000;

/** Where the anchors come from: the controller's CA. */
export interface TrustRootsSource {
  anchorsPem(): string;
  trustDomain: string;
  /** Calls `fn` when the anchors change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void;
}

export interface TrustRootsOptions {
  source: TrustRootsSource;
  /** Whether this replica holds the Lease (only the holder writes). */
  leading: () => boolean;
  /** The namespaces that need a copy now. */
  namespaces: () => string[];
  log: (message: string) => void;
}

/**
 * The namespaces that need a copy: those with injected pods or asking for injection
 * (themselves or a Deployment's pod template), and the controller's own; only ones that
 * exist.
 */
export function meshedNamespaces(cache: ClusterCache, controlNamespace?: string): string[] {
  const out = new Set<string>(controlNamespace ? [controlNamespace] : []);
  for (const n of cache.namespaces.informer.list())
    if (n.metadata?.annotations?.[INJECT_ANNOTATION] === 'enabled') out.add(n.metadata.name ?? '');
  for (const d of cache.deployments.informer.list())
    if (d.spec?.template?.metadata?.annotations?.[INJECT_ANNOTATION] === 'enabled')
      out.add(d.metadata?.namespace ?? '');
  for (const p of cache.pods.informer.list())
    if ((p.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER))
      out.add(p.metadata?.namespace ?? '');
  out.delete('');
  return [...out].filter((ns) => cache.namespaces.informer.get(ns) !== undefined).sort();
}

export class TrustRootsMirror {
  readonly #core: CoreV1Api;
  readonly #o: TrustRootsOptions;
  readonly #informer: ReturnType<typeof makeInformer<V1ConfigMap>>;
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  /** The last failure per namespace, logged once. */
  readonly #failed = new Map<string, string>();

  constructor(kc: KubeConfig, options: TrustRootsOptions) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#o = options;
    this.#informer = makeInformer<V1ConfigMap>(
      kc,
      '/api/v1/configmaps',
      () => this.#core.listConfigMapForAllNamespaces({ labelSelector: TRUST_ROOTS_LABEL }),
      TRUST_ROOTS_LABEL,
    );
    this.#informer.on('change', () => this.schedule());
    this.#informer.on('error', () => {
      if (this.#stopped) return;
      setTimeout(() => void this.#informer.start().catch(() => {}), 2000).unref();
    });
  }

  /** Whether `namespace` has a copy (the webhook then makes the volume required). */
  has(namespace: string): boolean {
    return this.#informer.get(TRUST_ROOTS_CONFIGMAP, namespace) !== undefined;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#informer.start().catch(() => {});
    this.#unsubscribe = this.#o.source.onChange(() => this.schedule());
    this.#resync = setInterval(() => this.schedule(), RESYNC_MS);
    this.#resync.unref();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#resync);
    clearTimeout(this.#timer);
    await this.#informer.stop();
  }

  /** Runs a round soon (once for a burst of changes). */
  schedule(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#round(), COALESCE_MS);
    this.#timer.unref();
  }

  async #round() {
    this.#running = true;
    this.#again = false;
    try {
      if (this.#o.leading()) for (const ns of this.#o.namespaces()) await this.#ensure(ns);
    } finally {
      this.#running = false;
      if (this.#again) this.schedule();
    }
  }

  #data(): Record<string, string> {
    return { 'trust-anchor.pem': this.#o.source.anchorsPem(), 'trust-domain': this.#o.source.trustDomain };
  }

  async #ensure(namespace: string) {
    const data = this.#data();
    const current = this.#informer.get(TRUST_ROOTS_CONFIGMAP, namespace);
    if (current && JSON.stringify(current.data ?? {}) === JSON.stringify(data)) return;
    try {
      if (current) await this.#replace(current, data);
      else await this.#create(namespace, data);
      this.#failed.delete(namespace);
    } catch (err) {
      const why = (err as { body?: { message?: string } }).body?.message ?? (err as Error).message;
      if (this.#failed.get(namespace) !== why)
        this.#o.log(`cannot keep ${namespace}/${TRUST_ROOTS_CONFIGMAP} current: ${why}`);
      this.#failed.set(namespace, why);
    }
  }

  async #create(namespace: string, data: Record<string, string>) {
    try {
      await this.#core.createNamespacedConfigMap({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: TRUST_ROOTS_CONFIGMAP, namespace, labels: { [TRUST_ROOTS_LABEL]: 'true' } },
          data,
        },
      });
      this.#o.log(`trust anchors copied to ${namespace}/${TRUST_ROOTS_CONFIGMAP}`);
    } catch (err) {
      // One made by the install manifests (without our label): taken over.
      if ((err as { code?: number }).code !== 409) throw err;
      const existing = await this.#core.readNamespacedConfigMap({ name: TRUST_ROOTS_CONFIGMAP, namespace });
      await this.#replace(existing, data);
    }
  }

  async #replace(current: V1ConfigMap, data: Record<string, string>) {
    const metadata = current.metadata ?? {};
    await this.#core.replaceNamespacedConfigMap({
      name: TRUST_ROOTS_CONFIGMAP,
      namespace: metadata.namespace ?? '',
      body: {
        ...current,
        metadata: { ...metadata, labels: { ...(metadata.labels ?? {}), [TRUST_ROOTS_LABEL]: 'true' } },
        data,
      },
    });
    this.#o.log(`trust anchors updated in ${metadata.namespace}/${TRUST_ROOTS_CONFIGMAP}`);
  }
}

/**
 * Controller state kept in the cluster, shared by the replicas: one ConfigMap per key
 * (`weft-state-<key>`, labelled `weft.dev/state`) in the controller's namespace, the
 * document as JSON under `state.json`. Every replica watches them; `load` reads the
 * watched copy. `save` is written to the cluster by the Lease holder only, in the
 * background (the latest value per key; a newer one waits for the write in flight);
 * another replica's saves stay in its memory and are replaced by the holder's. A
 * document over {@link MAX_DOCUMENT_BYTES} is not written (a ConfigMap holds 1 MiB)
 * and the refusal is logged. `onChange` tells a replica when a document arrives that it
 * did not write itself (another replica's, or the first list).
 */
import { CoreV1Api, type KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { ErrorCode, MeshError } from '@weft/shared';
import type { z } from 'zod';
import type { DocumentState } from '../../state/store.ts';

export const STATE_LABEL = 'weft.dev/state';
export const STATE_FILE = 'state.json';
/** Room for the ConfigMap's metadata under the API server's 1 MiB limit. */
export const MAX_DOCUMENT_BYTES = 900 * 1024;
const SYNC_TIMEOUT_MS = 30_000;
/** Writes a key tries before giving up until its next save. */
const MAX_ATTEMPTS = 5;
/** Own writes remembered per key, to know their echoes from the watch. */
const ECHOES_KEPT = 16;

export const stateConfigMapName = (key: string) => `weft-state-${key}`;

export interface ClusterStateOptions {
  namespace: string;
  /** Whether this replica holds the Lease (only the holder writes). */
  leading: () => boolean;
  log: (message: string) => void;
}

export class ClusterState implements DocumentState {
  readonly #core: CoreV1Api;
  readonly #o: ClusterStateOptions;
  readonly #informer: ReturnType<typeof makeInformer<V1ConfigMap>>;
  readonly #pending = new Map<string, string>();
  readonly #written = new Map<string, string[]>();
  readonly #listeners = new Map<string, Set<() => void>>();
  #writing = false;
  #stopped = false;

  constructor(kc: KubeConfig, options: ClusterStateOptions) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#o = options;
    const namespace = options.namespace;
    this.#informer = makeInformer<V1ConfigMap>(
      kc,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => this.#core.listNamespacedConfigMap({ namespace, labelSelector: STATE_LABEL }),
      STATE_LABEL,
    );
    const changed = (cm: V1ConfigMap) => this.#arrived(cm);
    this.#informer.on('add', changed);
    this.#informer.on('update', changed);
    this.#informer.on('error', () => {
      if (this.#stopped) return;
      setTimeout(() => void this.#informer.start().catch(() => {}), 2000).unref();
    });
  }

  /** Starts the watch and waits (bounded) for its first list. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#informer.start().catch(() => {});
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    const synced = () =>
      (this.#informer as unknown as { latestResourceVersion(): string }).latestResourceVersion() !== '';
    while (!synced()) {
      if (Date.now() > deadline)
        throw new Error(`cannot list the controller's state ConfigMaps in namespace ${this.#o.namespace}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#informer.stop();
  }

  /** Calls `fn` when the document under `key` arrives from the cluster, not written by this replica. */
  onChange(key: string, fn: () => void): () => void {
    const set = this.#listeners.get(key) ?? new Set();
    set.add(fn);
    this.#listeners.set(key, set);
    return () => set.delete(fn);
  }

  load<T extends z.ZodType>(key: string, schema: T): z.infer<T> | undefined {
    const text =
      this.#pending.get(key) ??
      this.#informer.get(stateConfigMapName(key), this.#o.namespace)?.data?.[STATE_FILE];
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new MeshError(
        ErrorCode.internal,
        `state ConfigMap ${this.#o.namespace}/${stateConfigMapName(key)} is not valid JSON (${(err as Error).message})`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MeshError(
        ErrorCode.internal,
        `state ConfigMap ${this.#o.namespace}/${stateConfigMapName(key)} does not match its schema (${issue?.path.join('.') || 'document'}: ${issue?.message})`,
      );
    }
    return parsed.data;
  }

  save(key: string, value: unknown): void {
    if (!this.#o.leading()) return;
    const text = JSON.stringify(value);
    if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) {
      this.#o.log(
        `state "${key}" not written to the cluster: ${Buffer.byteLength(text)} bytes, over ${MAX_DOCUMENT_BYTES}`,
      );
      return;
    }
    this.#pending.set(key, text);
    void this.#flush();
  }

  /** Whether every save so far has reached the cluster (for tests and shutdown). */
  get settled(): boolean {
    return this.#pending.size === 0 && !this.#writing;
  }

  #arrived(cm: V1ConfigMap) {
    const name = cm.metadata?.name ?? '';
    const key = name.startsWith('weft-state-') ? name.slice('weft-state-'.length) : undefined;
    const text = cm.data?.[STATE_FILE];
    if (!key || text === undefined) return;
    if (this.#pending.has(key) || this.#written.get(key)?.includes(text)) return;
    for (const fn of this.#listeners.get(key) ?? []) {
      try {
        fn();
      } catch (err) {
        this.#o.log(`state "${key}" listener failed: ${(err as Error).message}`);
      }
    }
  }

  async #flush() {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#pending.size > 0 && !this.#stopped) {
        const [key, text] = this.#pending.entries().next().value as [string, string];
        if (!this.#o.leading()) {
          this.#pending.clear();
          break;
        }
        const written = this.#written.get(key) ?? [];
        written.push(text);
        this.#written.set(key, written.slice(-ECHOES_KEPT));
        await this.#write(key, text);
        // A newer save of the same key while writing stays pending.
        if (this.#pending.get(key) === text) this.#pending.delete(key);
      }
    } finally {
      this.#writing = false;
    }
  }

  async #write(key: string, text: string) {
    const name = stateConfigMapName(key);
    const namespace = this.#o.namespace;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        const current = await this.#read(name);
        const body: V1ConfigMap = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            ...(current?.metadata ?? {}),
            name,
            namespace,
            labels: { ...(current?.metadata?.labels ?? {}), [STATE_LABEL]: key },
          },
          data: { [STATE_FILE]: text },
        };
        if (current) await this.#core.replaceNamespacedConfigMap({ name, namespace, body });
        else await this.#core.createNamespacedConfigMap({ namespace, body });
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if ((code === 409 || code === 500 || code === 503) && attempt < MAX_ATTEMPTS) continue;
        this.#o.log(`state "${key}" not written to ${namespace}/${name}: ${(err as Error).message}`);
        return;
      }
    }
  }

  async #read(name: string): Promise<V1ConfigMap | undefined> {
    try {
      return await this.#core.readNamespacedConfigMap({ name, namespace: this.#o.namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }
}

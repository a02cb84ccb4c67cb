/**
 * Test support for the fake Kubernetes API server: the object store (etcd's role). One
 * resourceVersion counter for everything, a bounded history of changes per resource
 * type that watches resume from (older versions are answered 410 Gone, as after a
 * compaction), and live subscribers.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from './patch.ts';

export interface KubeObject extends JsonObject {
  metadata: JsonObject & { name: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** Storage key of the resource type. */
  resource: string;
  object: KubeObject;
  /** The object before a MODIFIED change (watches with a label selector need both). */
  previous?: KubeObject;
  rv: number;
}

/** Changes kept per resource type for watches to resume from. */
const DEFAULT_HISTORY = 500;

export class ObjectStore {
  #rv = 1000;
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history = new Map<string, StoreEvent[]>();
  /** Per resource type: the oldest resourceVersion a watch can still resume after. */
  readonly #horizon = new Map<string, number>();
  readonly #subscribers = new Set<(e: StoreEvent) => void>();
  readonly #historyLimit: number;

  constructor(historyLimit = DEFAULT_HISTORY) {
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  #bucket(resource: string): Map<string, KubeObject> {
    let b = this.#objects.get(resource);
    if (!b) {
      b = new Map();
      this.#objects.set(resource, b);
    }
    return b;
  }

  static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#bucket(resource).get(ObjectStore.key(namespace, name));
    return o && structuredClone(o);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return [...this.#bucket(resource).values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .sort((a, b) =>
        ObjectStore.key(a.metadata.namespace, a.metadata.name).localeCompare(
          ObjectStore.key(b.metadata.namespace, b.metadata.name),
        ),
      )
      .map((o) => structuredClone(o));
  }

  /** Stores a new object, stamping uid, resourceVersion and creationTimestamp. */
  create(resource: string, object: KubeObject): KubeObject {
    const stored = structuredClone(object);
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return this.#commit(resource, 'ADDED', stored);
  }

  /** Replaces an existing object (the caller checked preconditions). */
  update(resource: string, object: KubeObject): KubeObject {
    return this.#commit(resource, 'MODIFIED', structuredClone(object));
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.#bucket(resource);
    const key = ObjectStore.key(namespace, name);
    const existing = bucket.get(key);
    if (!existing) return undefined;
    bucket.delete(key);
    this.#rv += 1;
    const gone = structuredClone(existing);
    gone.metadata.resourceVersion = String(this.#rv);
    this.#record({ type: 'DELETED', resource, object: gone, rv: this.#rv });
    return structuredClone(gone);
  }

  #commit(resource: string, type: EventType, object: KubeObject): KubeObject {
    this.#rv += 1;
    object.metadata.resourceVersion = String(this.#rv);
    const bucket = this.#bucket(resource);
    const key = ObjectStore.key(object.metadata.namespace, object.metadata.name);
    const previous = bucket.get(key);
    bucket.set(key, object);
    this.#record({
      type,
      resource,
      object: structuredClone(object),
      ...(previous ? { previous: structuredClone(previous) } : {}),
      rv: this.#rv,
    });
    return structuredClone(object);
  }

  #record(e: StoreEvent) {
    let h = this.#history.get(e.resource);
    if (!h) {
      h = [];
      this.#history.set(e.resource, h);
    }
    h.push(e);
    if (h.length > this.#historyLimit) {
      const dropped = h.splice(0, h.length - this.#historyLimit);
      this.#horizon.set(e.resource, dropped.at(-1)?.rv ?? 0);
    }
    for (const s of [...this.#subscribers]) s(e);
  }

  /**
   * The changes of a resource type after `rv`, oldest first; `gone` when they were
   * compacted away (the watcher must relist).
   */
  since(resource: string, rv: number): StoreEvent[] | 'gone' {
    if (rv < (this.#horizon.get(resource) ?? 0)) return 'gone';
    return (this.#history.get(resource) ?? []).filter((e) => e.rv > rv);
  }

  /** Forgets every change so far: watches from an older version get 410 Gone. */
  compact(): void {
    for (const resource of new Set([...this.#history.keys(), ...this.#objects.keys()])) {
      this.#history.set(resource, []);
      this.#horizon.set(resource, this.#rv);
    }
  }

  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }
}

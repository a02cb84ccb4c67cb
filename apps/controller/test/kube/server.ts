/**
 * Test support: a fake Kubernetes API server, faithful to the REST protocol (never
 * imported by app code). Real paths (`/api/v1/namespaces/{ns}/pods/{name}`,
 * `/apis/{group}/{version}/...`), discovery, list with resourceVersion and selectors,
 * watch (see watch.ts), create / update / delete, strategic, JSON merge and JSON patch,
 * the status and scale subresources, pod logs, custom resources registered by CRDs,
 * mutating admission hooks, TokenReview through a hook, and `Status` errors. It plays
 * no controller: the cluster's controllers live apart, in cluster.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { admitBody, applyScale, prepareCreate, prepareUpdate, sameContent, scaleOf } from './objects.ts';
import type { JsonObject } from './patch.ts';
import { applyPatch, readJson } from './request-body.ts';
import { apiVersionOf, BUILT_IN, type ResourceType, resourceKey, typesFromCrd } from './resources.ts';
import { discoveryAt, routeOf, type Target } from './routing.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { alreadyExists, badRequest, notFound, StatusError } from './status.ts';
import { type KubeObject, ObjectStore } from './store.ts';
import { serveWatch } from './watch.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE';

/** A mutating admission step: returns the object to store, or throws a `StatusError` to deny. */
export type AdmissionHook = (request: {
  operation: AdmissionOperation;
  type: ResourceType;
  object: KubeObject;
  oldObject: KubeObject | undefined;
}) => Promise<KubeObject> | KubeObject;

export interface FakeApiServerOptions {
  /** Bookmark interval for watches that allow them. */
  bookmarkMs?: number;
  /** Longest a watch stays open before the server ends it. */
  maxWatchMs?: number;
  /** Changes kept per resource type for watches to resume from. */
  historyLimit?: number;
}

export class FakeApiServer {
  readonly store: ObjectStore;
  readonly #server: Server;
  readonly #types = new Map<string, ResourceType>();
  readonly #admission: AdmissionHook[] = [];
  #logs: (namespace: string, pod: string, container: string) => string[] = () => [];
  #tokenReview: (token: string, audiences: string[]) => object = () => ({ authenticated: false });
  readonly #bookmarkMs: number;
  readonly #maxWatchMs: number;
  /** Requests served, `METHOD path` (for tests that check what a client did). */
  readonly requests: string[] = [];

  constructor(options: FakeApiServerOptions = {}) {
    this.store = new ObjectStore(options.historyLimit);
    this.#bookmarkMs = options.bookmarkMs ?? 5000;
    this.#maxWatchMs = options.maxWatchMs ?? 10 * 60_000;
    for (const t of BUILT_IN) this.#types.set(resourceKey(t), t);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => this.#fail(res, err));
    });
    this.store.subscribe((e) => {
      if (e.resource === 'apiextensions.k8s.io/v1/customresourcedefinitions') this.#syncCrd(e.object, e.type);
    });
  }

  /** Listens on 127.0.0.1 (an ephemeral port unless given); resolves with the base URL. */
  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Adds a mutating admission step, run on every create and update of the main resource. */
  admit(hook: AdmissionHook): void {
    this.#admission.push(hook);
  }

  /** Where pod logs come from (the kubelet's role). */
  serveLogs(fn: (namespace: string, pod: string, container: string) => string[]): void {
    this.#logs = fn;
  }

  /** Answers TokenReviews (the authenticator's role): the `status` of the review. */
  reviewTokens(fn: (token: string, audiences: string[]) => object): void {
    this.#tokenReview = fn;
  }

  /** The type served at `apiVersion` + `kind`, for in-process callers (cluster.ts). */
  typeOf(apiVersion: string, kind: string): ResourceType | undefined {
    return [...this.#types.values()].find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  #syncCrd(crd: KubeObject, event: string) {
    for (const t of typesFromCrd(crd)) {
      if (event === 'DELETED') this.#types.delete(resourceKey(t));
      else this.#types.set(resourceKey(t), t);
    }
    if (event !== 'DELETED') {
      const conditions = [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        },
      ];
      const status = crd.status as JsonObject | undefined;
      if (JSON.stringify(status?.conditions) !== JSON.stringify(conditions)) {
        const spec = crd.spec as JsonObject;
        queueMicrotask(() => {
          const current = this.store.get(
            'apiextensions.k8s.io/v1/customresourcedefinitions',
            undefined,
            crd.metadata.name,
          );
          if (current)
            this.store.update('apiextensions.k8s.io/v1/customresourcedefinitions', {
              ...current,
              status: { conditions, acceptedNames: spec.names ?? {}, storedVersions: [] },
            });
        });
      }
    }
  }

  // === routing ===

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    const path = url.pathname.replace(/\/+$/, '');
    if (method === 'GET') {
      const found = discoveryAt(path, [...this.#types.values()]);
      if (found && 'text' in found)
        return res.writeHead(200, { 'Content-Type': 'text/plain' }).end(found.text);
      if (found) return this.#send(res, 200, found.json);
    }
    const target = routeOf(path, this.#types);
    if (!target) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const { type, namespace, name, subresource } = target;
    if (type.virtual) {
      if (method !== 'POST' || name)
        throw new StatusError(405, 'MethodNotAllowed', `${method} is not supported on ${type.plural}`);
      return this.#send(res, 201, this.#review(type, await readJson(req)));
    }
    if (namespace !== undefined && method !== 'GET' && method !== 'DELETE' && !(type.plural === 'namespaces'))
      this.#requireNamespace(namespace);
    const key = resourceKey(type);
    if (!name) {
      if (method === 'GET') return this.#list(req, res, target, url.searchParams);
      if (method === 'POST') return this.#send(res, 201, await this.#create(target, await readJson(req)));
      if (method === 'DELETE') return this.#send(res, 200, this.#deleteCollection(target, url.searchParams));
      throw new StatusError(405, 'MethodNotAllowed', `${method} is not supported on a collection`);
    }
    if (subresource === 'log') {
      if (type.kind !== 'Pod' || method !== 'GET')
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return this.#podLog(res, namespace as string, name, url.searchParams);
    }
    if (
      subresource !== undefined &&
      !(subresource === 'status' && type.status) &&
      !(subresource === 'scale' && type.scale)
    )
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const current = this.store.get(key, namespace, name);
    if (method === 'DELETE') {
      if (!current) throw notFound(type.plural, name, type.group);
      return this.#send(res, 200, this.#delete(type, current));
    }
    if (!current) throw notFound(type.plural, name, type.group);
    if (method === 'GET') return this.#send(res, 200, subresource === 'scale' ? scaleOf(current) : current);
    let next: KubeObject;
    if (method === 'PUT') {
      const body = await readJson(req);
      next = subresource === 'scale' ? applyScale(current, body) : admitBody(type, body, namespace);
    } else if (method === 'PATCH') {
      const patched = applyPatch(
        type,
        subresource === 'scale' ? scaleOf(current) : current,
        req.headers['content-type'],
        await readJson(req),
      );
      next = subresource === 'scale' ? applyScale(current, patched) : admitBody(type, patched, namespace);
    } else {
      throw new StatusError(405, 'MethodNotAllowed', `${method} is not supported`);
    }
    if (subresource === 'scale') next.metadata.resourceVersion = current.metadata.resourceVersion;
    const status = subresource === 'status' ? 'status' : undefined;
    let updated = prepareUpdate(type, current, next, status);
    if (!status) updated = await this.#runAdmission('UPDATE', type, updated, current);
    // As etcd: a write that changes nothing stores nothing (no new resourceVersion, no event).
    const stored = sameContent(updated, current) ? current : this.store.update(key, updated);
    return this.#send(res, 200, subresource === 'scale' ? scaleOf(stored) : stored);
  }

  // === verbs ===

  #list(req: IncomingMessage, res: ServerResponse, target: Target, query: URLSearchParams) {
    const resource = resourceKey(target.type);
    if (query.get('watch') === 'true' || query.get('watch') === '1') {
      try {
        return serveWatch(this.store, req, res, {
          type: target.type,
          resource,
          namespace: target.namespace,
          query,
          bookmarkMs: this.#bookmarkMs,
          maxWatchMs: this.#maxWatchMs,
        });
      } catch (err) {
        throw err instanceof StatusError ? err : badRequest((err as Error).message);
      }
    }
    let labels: (l: Record<string, string>) => boolean;
    let fields: (m: { name?: string; namespace?: string }) => boolean;
    try {
      labels = parseLabelSelector(query.get('labelSelector') ?? '');
      fields = parseFieldSelector(query.get('fieldSelector') ?? '');
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    const items = this.store
      .list(resource, target.namespace)
      .filter((o) => labels((o.metadata.labels ?? {}) as Record<string, string>) && fields(o.metadata))
      .map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    this.#send(res, 200, {
      kind: `${target.type.kind}List`,
      apiVersion: apiVersionOf(target.type),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items,
    });
  }

  /**
   * Creates an object as a POST would (checks and admission included): how the cluster's
   * controllers (cluster.ts) create pods, so mutating admission sees them.
   */
  async create(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    body: unknown,
  ): Promise<KubeObject> {
    const type = this.typeOf(apiVersion, kind);
    if (!type) throw new Error(`no resource type ${apiVersion} ${kind}`);
    return this.#create({ type, namespace, name: undefined, subresource: undefined }, body);
  }

  async #create(target: Target, body: unknown): Promise<KubeObject> {
    const { type, namespace } = target;
    const admitted = admitBody(type, body, namespace);
    if (type.namespaced) this.#requireNamespace(admitted.metadata.namespace as string);
    const key = resourceKey(type);
    if (this.store.get(key, admitted.metadata.namespace, admitted.metadata.name))
      throw alreadyExists(type.plural, admitted.metadata.name, type.group);
    const object = await this.#runAdmission('CREATE', type, prepareCreate(type, admitted), undefined);
    return this.store.create(key, object);
  }

  async #runAdmission(
    operation: AdmissionOperation,
    type: ResourceType,
    object: KubeObject,
    oldObject: KubeObject | undefined,
  ) {
    let out = object;
    for (const hook of this.#admission) out = await hook({ operation, type, object: out, oldObject });
    return out;
  }

  #delete(type: ResourceType, current: KubeObject): KubeObject {
    const gone = this.store.delete(
      resourceKey(type),
      current.metadata.namespace,
      current.metadata.name,
    ) as KubeObject;
    if (type.kind === 'Namespace') {
      for (const t of this.#types.values()) {
        if (!t.namespaced) continue;
        for (const o of this.store.list(resourceKey(t), current.metadata.name))
          this.store.delete(resourceKey(t), o.metadata.namespace, o.metadata.name);
      }
    }
    return gone;
  }

  #deleteCollection(target: Target, query: URLSearchParams) {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    const items = this.store
      .list(resourceKey(target.type), target.namespace)
      .filter((o) => labels((o.metadata.labels ?? {}) as Record<string, string>))
      .map((o) => this.#delete(target.type, o));
    return {
      kind: `${target.type.kind}List`,
      apiVersion: apiVersionOf(target.type),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items,
    };
  }

  #podLog(res: ServerResponse, namespace: string, name: string, query: URLSearchParams) {
    const pod = this.store.get('v1/pods', namespace, name);
    if (!pod) throw notFound('pods', name);
    const containers = (((pod.spec as JsonObject | undefined)?.containers ?? []) as { name: string }[]).map(
      (c) => c.name,
    );
    const container = query.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
    if (!container)
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
      );
    if (!containers.includes(container))
      throw badRequest(`container ${container} is not valid for pod ${name}`);
    let lines = this.#logs(namespace, name, container);
    const tail = Number(query.get('tailLines') ?? '');
    if (query.has('tailLines') && Number.isInteger(tail) && tail >= 0)
      lines = tail === 0 ? [] : lines.slice(-tail);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(lines.map((l) => `${l}\n`).join(''));
  }

  #review(type: ResourceType, body: unknown): JsonObject {
    const review = admitBody(
      type,
      {
        ...(body as JsonObject),
        metadata: { name: 'review', ...((body as JsonObject).metadata as JsonObject) },
      },
      undefined,
    );
    const spec = (review.spec ?? {}) as { token?: string; audiences?: string[] };
    if (typeof spec.token !== 'string')
      throw new StatusError(
        422,
        'Invalid',
        'TokenReview.authentication.k8s.io "" is invalid: spec.token: Required value',
      );
    return {
      ...review,
      metadata: { creationTimestamp: null },
      status: this.#tokenReview(spec.token, spec.audiences ?? []) as JsonObject,
    };
  }

  #requireNamespace(namespace: string) {
    if (!this.store.get('v1/namespaces', undefined, namespace)) throw notFound('namespaces', namespace);
  }

  #send(res: ServerResponse, code: number, body: unknown) {
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  #fail(res: ServerResponse, err: unknown) {
    const status =
      err instanceof StatusError
        ? err
        : new StatusError(500, 'InternalError', `an error on the server: ${(err as Error).message}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    this.#send(res, status.code, status.toStatus());
  }
}

/**
 * Test support for the fake Kubernetes API server: what the server does to an object on
 * create, update and the status/scale subresources, as the real one does: namespace and
 * name checks, `generateName`, `generation` bumped on spec changes only, the main
 * resource ignoring `.status` and the status subresource taking only `.status`,
 * optimistic concurrency on `resourceVersion`.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from './patch.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { badRequest, conflict, invalid, StatusError } from './status.ts';
import type { KubeObject } from './store.ts';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function suffix(): string {
  return [...randomBytes(5)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the body of a create or update and fills in kind, apiVersion and namespace. */
export function admitBody(type: ResourceType, body: unknown, namespace: string | undefined): KubeObject {
  if (!isObject(body)) throw badRequest('the body must be a JSON object');
  const expected = apiVersionOf(type);
  if (body.apiVersion !== undefined && body.apiVersion !== expected)
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
    );
  if (body.kind !== undefined && body.kind !== type.kind)
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${type.kind})`,
    );
  const metadata = isObject(body.metadata) ? { ...body.metadata } : {};
  if (type.namespaced) {
    if (metadata.namespace !== undefined && metadata.namespace !== namespace)
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    metadata.namespace = namespace ?? 'default';
  } else {
    delete metadata.namespace;
  }
  if (typeof metadata.name !== 'string' || metadata.name === '') {
    if (typeof metadata.generateName !== 'string' || metadata.generateName === '')
      throw invalid(type.kind, '', 'metadata.name: Required value: name or generateName is required');
    metadata.name = `${metadata.generateName}${suffix()}`;
  }
  const name = metadata.name as string;
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    throw invalid(
      type.kind,
      name,
      `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    );
  return { ...body, apiVersion: expected, kind: type.kind, metadata } as unknown as KubeObject;
}

/** The object as first stored: generation 1, status as the type starts it. */
export function prepareCreate(type: ResourceType, object: KubeObject): KubeObject {
  const out = structuredClone(object);
  delete out.metadata.resourceVersion;
  delete out.metadata.uid;
  if (hasSpec(out)) out.metadata.generation = 1;
  if (type.status) delete out.status;
  if (type.kind === 'Namespace') out.status = { phase: 'Active' };
  return out;
}

function hasSpec(o: JsonObject): boolean {
  return Object.keys(o).some((k) => !['apiVersion', 'kind', 'metadata', 'status'].includes(k));
}

/** Everything but metadata and status, to tell whether the spec changed. */
function specOf(o: JsonObject): string {
  const { metadata: _m, status: _s, ...rest } = o;
  return JSON.stringify(rest);
}

/**
 * The object an update (or patch) of the main resource or its status leaves: identity
 * fields kept, `.status` or everything else taken from `next`, `generation` bumped when
 * the spec changed. Throws 409 when `next` names a stale resourceVersion.
 */
export function prepareUpdate(
  type: ResourceType,
  current: KubeObject,
  next: KubeObject,
  subresource: 'status' | undefined,
): KubeObject {
  const rv = next.metadata.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion)
    throw conflict(type.plural, current.metadata.name, type.group);
  if (next.metadata.name !== current.metadata.name)
    throw badRequest(
      `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${current.metadata.name})`,
    );
  let out: KubeObject;
  if (subresource === 'status') {
    out = structuredClone(current);
    if (next.status === undefined) delete out.status;
    else out.status = structuredClone(next.status);
  } else {
    out = structuredClone(next);
    out.metadata = {
      ...next.metadata,
      uid: current.metadata.uid ?? '',
      creationTimestamp: current.metadata.creationTimestamp ?? null,
      ...(current.metadata.namespace !== undefined ? { namespace: current.metadata.namespace } : {}),
      resourceVersion: current.metadata.resourceVersion ?? '',
    };
    if (current.metadata.deletionTimestamp)
      out.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    if (type.status) {
      if (current.status === undefined) delete out.status;
      else out.status = structuredClone(current.status);
    }
    const generation =
      typeof current.metadata.generation === 'number' ? current.metadata.generation : undefined;
    if (generation !== undefined)
      out.metadata.generation = specOf(out) === specOf(current) ? generation : generation + 1;
  }
  return out;
}

/** `autoscaling/v1` Scale of a Deployment or ReplicaSet. */
export function scaleOf(o: KubeObject): JsonObject {
  const spec = (o.spec ?? {}) as JsonObject;
  const status = (o.status ?? {}) as JsonObject;
  const matchLabels = ((spec.selector as JsonObject | undefined)?.matchLabels ?? {}) as Record<
    string,
    string
  >;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace ?? null,
      uid: o.metadata.uid ?? '',
      resourceVersion: o.metadata.resourceVersion ?? '',
      creationTimestamp: o.metadata.creationTimestamp ?? null,
    },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  };
}

/** The object with its replicas set from a Scale; 422 for a bad count. */
export function applyScale(o: KubeObject, scale: unknown): KubeObject {
  const replicas = isObject(scale) && isObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw new StatusError(
      422,
      'Invalid',
      `Scale.autoscaling "${o.metadata.name}" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0`,
    );
  const out = structuredClone(o);
  out.spec = { ...((out.spec ?? {}) as JsonObject), replicas };
  return out;
}

/** Whether two objects hold the same content, resourceVersion aside (a write that changes nothing is not stored). */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'resourceVersion')
              .sort(([x], [y]) => x.localeCompare(y))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

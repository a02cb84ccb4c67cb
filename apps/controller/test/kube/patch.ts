/**
 * Test support for the fake Kubernetes API server: the three patch formats the API
 * server accepts. JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge
 * patch, which merges the lists Kubernetes declares with a merge key (containers by
 * name, ports by containerPort, ...) and honours `$patch: delete|replace` and strips the
 * `$setElementOrder`/`$retainKeys` directives kubectl sends.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A patch the server cannot apply; answered as 422 (or 400 when unparseable). */
export class PatchError extends Error {}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** List fields merged by a key, as Kubernetes' types declare (`patchMergeKey`). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  conditions: 'type',
  ownerReferences: 'uid',
  tolerations: 'key',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

/** Service ports merge by `port`, container ports by `containerPort`. */
function mergeKeyFor(field: string, items: Json[]): string | undefined {
  if (field === 'ports' && items.some((i) => isObject(i) && 'port' in i && !('containerPort' in i)))
    return 'port';
  return MERGE_KEYS[field];
}

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return null;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(v)) out[field] = current.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const current = out[k];
    if (Array.isArray(v)) {
      const key = mergeKeyFor(k, [...v, ...(Array.isArray(current) ? current : [])]);
      out[k] = key && Array.isArray(current) ? mergeList(current, v, key) : stripDirectives(v);
    } else if (isObject(v)) {
      out[k] = strategicMergePatch(current ?? null, v);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function mergeList(current: Json[], patch: Json[], key: string): Json[] {
  const out = [...current];
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined)
      throw new PatchError(`list item without its merge key "${key}"`);
    const at = out.findIndex((x) => isObject(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      out[at] = strategicMergePatch(out[at] ?? null, item);
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`JSON pointer "${path}" must start with "/"`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, parts: string[], path: string): { parent: JsonObject | Json[]; last: string } {
  let at: Json = doc;
  for (const p of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(at) ? at[Number(p)] : isObject(at) ? at[p] : undefined;
    if (next === undefined) throw new PatchError(`path ${path}: ${p} does not exist`);
    at = next;
  }
  if (!Array.isArray(at) && !isObject(at))
    throw new PatchError(`path ${path}: parent is not an object or list`);
  return { parent: at, last: parts.at(-1) as string };
}

function read(doc: Json, path: string): Json {
  let at: Json = doc;
  for (const p of pointer(path)) {
    const next: Json | undefined = Array.isArray(at) ? at[Number(p)] : isObject(at) ? at[p] : undefined;
    if (next === undefined) throw new PatchError(`path ${path} does not exist`);
    at = next;
  }
  return at;
}

function put(doc: Json, path: string, value: Json, insert: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length - (insert ? 0 : 1))
      throw new PatchError(`path ${path}: index out of range`);
    if (insert) parent.splice(index, 0, value);
    else parent[index] = value;
  } else {
    if (!insert && !(last in parent)) throw new PatchError(`path ${path} does not exist`);
    parent[last] = value;
  }
  return doc;
}

function remove(doc: Json, path: string): Json {
  const parts = pointer(path);
  const { parent, last } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length)
      throw new PatchError(`path ${path}: index out of range`);
    parent.splice(index, 1);
  } else {
    if (!(last in parent)) throw new PatchError(`path ${path} does not exist`);
    delete parent[last];
  }
  return doc;
}

export function jsonPatch(target: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch is a list of operations');
  let doc: Json = structuredClone(target);
  for (const raw of operations as Operation[]) {
    if (!isObject(raw as unknown) || typeof raw.path !== 'string')
      throw new PatchError('operation without a path');
    switch (raw.op) {
      case 'add':
        doc = put(doc, raw.path, structuredClone(raw.value ?? null), true);
        break;
      case 'replace':
        doc = put(doc, raw.path, structuredClone(raw.value ?? null), false);
        break;
      case 'remove':
        doc = remove(doc, raw.path);
        break;
      case 'copy':
        doc = put(doc, raw.path, structuredClone(read(doc, raw.from ?? '')), true);
        break;
      case 'move': {
        const value = read(doc, raw.from ?? '');
        doc = put(remove(doc, raw.from ?? ''), raw.path, value, true);
        break;
      }
      case 'test':
        if (JSON.stringify(read(doc, raw.path)) !== JSON.stringify(raw.value))
          throw new PatchError(`test failed at ${raw.path}`);
        break;
      default:
        throw new PatchError(`unknown operation "${String((raw as { op: unknown }).op)}"`);
    }
  }
  return doc;
}

export type { Json, JsonObject };

/**
 * Test support for the fake API server (server.ts): what a request path names. Discovery
 * paths (`/api`, `/apis/{group}`, `/version`, health) get their documents; resource paths
 * (`/api/v1/...`, `/apis/{group}/{version}/...`) get a resource type, namespace, name and
 * subresource, looked up among the types the server serves (built-in and from CRDs).
 */
import { groupList, type ResourceType, resourceList } from './resources.ts';

/** What a resource path names. */
export interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

/** A discovery answer: a JSON document, or plain `ok` for the health paths. */
export type Discovery = { json: unknown } | { text: string };

/** `/api/v1/...` or `/apis/{group}/{version}/...` to a target; undefined when nothing is served there. */
export function routeOf(path: string, types: ReadonlyMap<string, ResourceType>): Target | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3)
    [group, version, rest] = ['', parts[1] as string, parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4)
    [group, version, rest] = [parts[1] as string, parts[2] as string, parts.slice(3)];
  else return undefined;
  const typeOf = (plural: string | undefined) =>
    plural ? types.get(`${group ? `${group}/` : ''}${version}/${plural}`) : undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && typeOf(rest[2])?.namespaced) {
    if (rest.length > 5) return undefined;
    return { type: typeOf(rest[2]) as ResourceType, namespace: rest[1], name: rest[3], subresource: rest[4] };
  }
  const type = typeOf(rest[0]);
  if (!type || rest.length > 3) return undefined;
  return { type, namespace: undefined, name: rest[1], subresource: rest[2] };
}

/** The discovery document at `path`, or undefined when `path` is not a discovery path. */
export function discoveryAt(path: string, types: readonly ResourceType[]): Discovery | undefined {
  if (path === '/api')
    return {
      json: {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
      },
    };
  if (path === '/apis') return { json: groupList(types) };
  if (path === '/api/v1') return { json: resourceList(types, '', 'v1') };
  if (/^\/apis\/[^/]+\/[^/]+$/.test(path)) {
    const [, , group = '', version = ''] = path.split('/');
    if (!types.some((t) => t.group === group && t.version === version)) return undefined;
    return { json: resourceList(types, group, version) };
  }
  if (/^\/apis\/[^/]+$/.test(path)) {
    const group = groupList(types).groups.find((g) => g.name === path.slice('/apis/'.length));
    return group ? { json: { kind: 'APIGroup', apiVersion: 'v1', ...group } } : undefined;
  }
  if (path === '/version')
    return { json: { major: '1', minor: '20', gitVersion: 'v1.20.0', platform: 'linux/amd64' } };
  if (path === '/healthz' || path === '/readyz' || path === '/livez') return { text: 'ok' };
  return undefined;
}

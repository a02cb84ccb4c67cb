/**
 * Parses the authorities a client may dial into what the destination service looks
 * up: a service by name (`<svc>.<ns>.svc.cluster.local:<port>`, `<svc>.<ns>.svc:<port>`,
 * `<svc>.<ns>:<port>`) or an address (`<ip>:<port>`: a service's virtual address or a pod's).
 */

export type ParsedAuthority =
  | { kind: 'name'; name: string; namespace: string; port: number }
  | { kind: 'address'; address: string; port: number };

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Undefined when the authority names no in-cluster service or address form we know. */
export function parseAuthority(
  authority: string,
  clusterDomain = 'cluster.local',
): ParsedAuthority | undefined {
  const i = authority.lastIndexOf(':');
  if (i <= 0) return undefined;
  const host = authority.slice(0, i).toLowerCase().replace(/\.$/, '');
  const port = Number(authority.slice(i + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const ip = IPV4.exec(host);
  if (ip) {
    if (ip.slice(1).some((o) => Number(o) > 255)) return undefined;
    return { kind: 'address', address: host, port };
  }
  let rest = host;
  const suffix = `.svc.${clusterDomain}`;
  if (rest.endsWith(suffix)) rest = rest.slice(0, -suffix.length);
  else if (rest.endsWith('.svc')) rest = rest.slice(0, -4);
  const parts = rest.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { kind: 'name', name: parts[0], namespace: parts[1], port };
}

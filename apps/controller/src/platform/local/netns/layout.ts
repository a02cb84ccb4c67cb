/**
 * The address plan and names of `WEFT_LOCAL_CAPTURE=netns`: every pod in its own network
 * namespace, all on one bridge inside a "node" namespace, this host reaching them over
 * one veth. Addresses are link-local only and nothing routes beyond this machine:
 *
 *   pods      169.254.100.1-253 (one /24 on the bridge)
 *   the host  169.254.100.254 (the controller and the service balancer answer there)
 *   services  169.254.101.0/24 (local to the host: the balancer binds them)
 */
import { AddressPool } from '../addresses.ts';

export const POD_NET_SECOND = 254;
export const POD_NET_THIRD = 100;
export const SERVICE_NET_THIRD = 101;
export const NODE_HOST_ADDRESS = '169.254.100.254';
export const POD_NET_CIDR = '169.254.100.0/24';
export const SERVICE_NET_CIDR = '169.254.101.0/24';

/** The node namespace, its bridge, and the host's end of the link into it. */
export const NODE_NAMESPACE = 'weft-node';
export const NODE_BRIDGE = 'weft-br';
export const HOST_LINK = 'weft-host';
export const HOST_LINK_PEER = 'weft-uplink';

/** The group the proxy runs as: iptables leaves its own connections alone (`--gid-owner`). */
export const PROXY_GID = 2102;

/** The `ip` binary (Debian's iproute2). */
export const IP = '/usr/sbin/ip';

/** Pod addresses in the netns plan (the host's address reserved). */
export function netnsPodPool(): AddressPool {
  const pool = new AddressPool(POD_NET_SECOND, POD_NET_THIRD, 1, 169);
  pool.reserve(NODE_HOST_ADDRESS);
  return pool;
}

/** Service addresses in the netns plan. */
export function netnsServicePool(): AddressPool {
  return new AddressPool(POD_NET_SECOND, SERVICE_NET_THIRD, 1, 169);
}

/** A pod's namespace name, derived from its address (short, unique while the address is held). */
export function podNamespace(ip: string): string {
  return `weft-pod-${ip.split('.').slice(2).join('-')}`;
}

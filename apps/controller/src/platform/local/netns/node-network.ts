/**
 * The "node" of `WEFT_LOCAL_CAPTURE=netns`: a namespace holding the bridge every pod
 * plugs into, the host's link to it (169.254.100.254), the service block made local to
 * the host (so the balancer binds service addresses and pods reach them through the
 * host), and a relay from the host's link address to the controller's API on loopback,
 * so proxies in pods reach the controller without the API listening anywhere else.
 * Needs root; `netnsUnavailable()` says in one line why it cannot run.
 */
import { existsSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { run, tryRun } from './commands.ts';
import {
  HOST_LINK,
  HOST_LINK_PEER,
  IP,
  NODE_BRIDGE,
  NODE_HOST_ADDRESS,
  NODE_NAMESPACE,
  SERVICE_NET_CIDR,
} from './layout.ts';

/** Why netns capture cannot run here, or null. */
export function netnsUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'WEFT_LOCAL_CAPTURE=netns needs root (network namespaces and iptables); run as root or leave it unset for HTTP_PROXY capture';
  if (!existsSync(IP)) return `WEFT_LOCAL_CAPTURE=netns needs ${IP} (apt-get install iproute2)`;
  if (!existsSync('/usr/sbin/iptables'))
    return 'WEFT_LOCAL_CAPTURE=netns needs iptables (apt-get install iptables)';
  return null;
}

/** Most connections the controller relay carries at once. */
const RELAY_MAX_CONNECTIONS = 1024;

export class NodeNetwork {
  #relay: Server | null = null;

  /**
   * Creates the node namespace, bridge, host link and service block; keeps them when a
   * previous controller left them up (its pods are still plugged in).
   */
  up(): void {
    if (
      tryRun(IP, ['-n', NODE_NAMESPACE, 'link', 'show', NODE_BRIDGE]) &&
      tryRun(IP, ['link', 'show', HOST_LINK])
    ) {
      tryRun(IP, ['route', 'add', 'local', SERVICE_NET_CIDR, 'dev', 'lo']);
      return;
    }
    this.down();
    run(IP, ['netns', 'add', NODE_NAMESPACE]);
    run(IP, ['-n', NODE_NAMESPACE, 'link', 'set', 'lo', 'up']);
    run(IP, ['-n', NODE_NAMESPACE, 'link', 'add', NODE_BRIDGE, 'type', 'bridge']);
    run(IP, ['-n', NODE_NAMESPACE, 'link', 'set', NODE_BRIDGE, 'up']);
    run(IP, ['link', 'add', HOST_LINK, 'type', 'veth', 'peer', 'name', HOST_LINK_PEER]);
    run(IP, ['link', 'set', HOST_LINK_PEER, 'netns', NODE_NAMESPACE]);
    run(IP, ['-n', NODE_NAMESPACE, 'link', 'set', HOST_LINK_PEER, 'master', NODE_BRIDGE, 'up']);
    run(IP, ['addr', 'add', `${NODE_HOST_ADDRESS}/24`, 'dev', HOST_LINK]);
    run(IP, ['link', 'set', HOST_LINK, 'up']);
    // every service address is the host's own (the balancer binds them), reachable from pods
    run(IP, ['route', 'add', 'local', SERVICE_NET_CIDR, 'dev', 'lo']);
  }

  /** Relays `NODE_HOST_ADDRESS:port` to the controller's API on `apiHost:port`. */
  async relayController(apiHost: string, port: number): Promise<string> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: apiHost, port });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    server.maxConnections = RELAY_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, NODE_HOST_ADDRESS, () => resolve());
    });
    this.#relay = server;
    return `http://${NODE_HOST_ADDRESS}:${port}`;
  }

  /** Stops relaying (the controller is going away; its pods stay). */
  closeRelay(): void {
    this.#relay?.close();
    this.#relay = null;
  }

  /** Removes the relay, the service block, the host link and the node namespace (missing parts are fine). */
  down(): void {
    this.closeRelay();
    tryRun(IP, ['route', 'del', 'local', SERVICE_NET_CIDR, 'dev', 'lo']);
    tryRun(IP, ['link', 'del', HOST_LINK]);
    tryRun(IP, ['netns', 'del', NODE_NAMESPACE]);
  }
}

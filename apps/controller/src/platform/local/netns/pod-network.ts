/**
 * A pod's own network namespace under `WEFT_LOCAL_CAPTURE=netns`: a veth from the node
 * bridge (the pod's end is `eth0` with the pod's address), a route to the service block
 * through the host, and, for a meshed pod, the same iptables redirection an injected
 * Kubernetes pod gets (`redirectionScript` from @weft/shared), skipping the proxy's
 * group. Processes join it through `ip netns exec`.
 */
import { createHash } from 'node:crypto';
import { redirectionScript } from '@weft/shared';
import { run, tryRun } from './commands.ts';
import {
  IP,
  NODE_BRIDGE,
  NODE_HOST_ADDRESS,
  NODE_NAMESPACE,
  PROXY_GID,
  podNamespace,
  SERVICE_NET_CIDR,
} from './layout.ts';

/** The node-side veth name of a pod (at most 15 characters). */
function nodeLink(ns: string): string {
  return `wp${createHash('sha256').update(ns).digest('hex').slice(0, 10)}`;
}

/** Creates the pod's namespace and link (replacing leftovers of a pod that had the address). */
export function createPodNetwork(ip: string, meshed: boolean): string {
  const ns = podNamespace(ip);
  deletePodNetwork(ip);
  const link = nodeLink(ns);
  run(IP, ['netns', 'add', ns]);
  run(IP, ['-n', ns, 'link', 'set', 'lo', 'up']);
  run(IP, ['link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`]);
  run(IP, ['link', 'set', link, 'netns', NODE_NAMESPACE]);
  run(IP, ['-n', NODE_NAMESPACE, 'link', 'set', link, 'master', NODE_BRIDGE, 'up']);
  run(IP, ['link', 'set', `${link}p`, 'netns', ns]);
  run(IP, ['-n', ns, 'link', 'set', `${link}p`, 'name', 'eth0']);
  run(IP, ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  run(IP, ['-n', ns, 'link', 'set', 'eth0', 'up']);
  run(IP, ['-n', ns, 'route', 'add', SERVICE_NET_CIDR, 'via', NODE_HOST_ADDRESS]);
  if (meshed) run(IP, ['netns', 'exec', ns, 'sh', '-s'], redirectionScript({ proxyGid: PROXY_GID }));
  return ns;
}

/** Whether the pod's namespace exists (an adopted pod's network survived the controller). */
export function podNetworkExists(ip: string): boolean {
  return tryRun(IP, ['netns', 'exec', podNamespace(ip), 'true']);
}

/** Deletes the pod's namespace (its veth goes with it); a missing one is fine. */
export function deletePodNetwork(ip: string): void {
  tryRun(IP, ['netns', 'del', podNamespace(ip)]);
}

/** The argv prefix that runs a command inside the pod's namespace. */
export function inPod(ip: string): string[] {
  return ['netns', 'exec', podNamespace(ip)];
}

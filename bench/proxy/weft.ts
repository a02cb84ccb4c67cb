/**
 * Starting standalone Weft proxies for the benchmark, the way a user runs one:
 * `node --import tsx apps/proxy/src/main.ts --config file.json` with a static config
 * (listeners and authority → endpoints), pinned to the proxies' core, or the same from
 * the production build (bundle.ts). We spawn node directly (not through npm) so that the pid we hold
 * is the proxy's.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { proxyNodeArgs } from '../../apps/controller/src/platform/local/proxy-entry.ts';
import { freePort, type Spawned, spawnPinned, waitForPort } from '../lib/spawn.ts';

/** One static destination: the authority clients name, and where it really is. */
export interface StaticRoute {
  readonly authority: string;
  readonly endpoints: readonly { address: string; port: number; meshed?: boolean; identity?: string }[];
}

export interface WeftOptions {
  readonly repoRoot: string;
  readonly workDir: string;
  /** A name for the config file, log lines and the `WEFT_PROXY_WORKLOAD` label. */
  readonly name: string;
  readonly taskset: string | null;
  readonly cpu: string;
  /** Inbound listener forwarding to this app port, if any. */
  readonly appPort?: number;
  /**
   * Static destinations, given the proxy's own ports (a benchmark client names the
   * outbound listener itself as the authority: `Host: 127.0.0.1:<outbound port>`).
   */
  readonly routes?: (own: { outboundPort: number; inboundPort: number }) => readonly StaticRoute[];
  /**
   * Static traffic policies (`OutboundPolicy` objects, as `policy.watch` sends them),
   * given the proxy's own ports.
   */
  readonly policies?: (own: { outboundPort: number; inboundPort: number }) => readonly unknown[];
  /** Static inbound policies (`InboundPolicy` objects: authorization, rate limit), given the app port. */
  readonly inboundPolicies?: (appPort: number) => readonly unknown[];
  /** Extra environment (the identity work's variables, say). */
  readonly env?: Readonly<Record<string, string>>;
  /** Run this build of the proxy (its launcher, bundle.ts) instead of the sources under tsx. */
  readonly bundle?: string | null;
  /** Extra node flags (`--cpu-prof`, say). */
  readonly nodeArgs?: readonly string[];
  /** With `bundle`: these node flags instead of the platform's (`proxyNodeArgs`), for A/B runs. */
  readonly launchFlags?: readonly string[];
}

export interface WeftProxy {
  readonly proc: Spawned;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly adminPort: number;
}

/** Starts a proxy and waits until its listeners accept connections. */
export async function startWeft(o: WeftOptions): Promise<WeftProxy> {
  const inboundPort = await freePort();
  const outboundPort = await freePort();
  const adminPort = await freePort();
  const config = {
    inbound:
      o.appPort === undefined
        ? { host: '127.0.0.1', appHost: '127.0.0.1', ports: [] }
        : { host: '127.0.0.1', appHost: '127.0.0.1', ports: [{ public: inboundPort, app: o.appPort }] },
    outbound: { listen: `127.0.0.1:${outboundPort}` },
    admin: { listen: `127.0.0.1:${adminPort}` },
    destinations: Object.fromEntries(
      (o.routes?.({ outboundPort, inboundPort }) ?? []).map((r) => [
        r.authority,
        {
          // Named as discovery names a meshed pod's endpoints, so every outbound metric
          // label (dst_namespace, dst_deployment, dst_service, dst_pod) is bound as in a mesh.
          service: { namespace: 'bench', name: 'upstream' },
          endpoints: r.endpoints.map((e) => ({
            meshed: false,
            namespace: 'bench',
            workload: 'upstream',
            pod: 'upstream-0',
            ...e,
          })),
        },
      ]),
    ),
    policies: o.policies?.({ outboundPort, inboundPort }) ?? [],
    inboundPolicies: o.appPort === undefined ? [] : (o.inboundPolicies?.(o.appPort) ?? []),
  };
  const file = path.join(o.workDir, `${o.name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  // Only what we set: an inherited WEFT_PROXY_* would override the config file.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WEFT_PROXY_')) env[k] = v;
  Object.assign(
    env,
    { WEFT_PROXY_NAMESPACE: 'bench', WEFT_PROXY_WORKLOAD: o.name, WEFT_PROXY_POD: `${o.name}-0` },
    o.env,
  );
  const proc = spawnPinned(
    o.taskset,
    o.cpu,
    process.execPath,
    [
      ...(o.nodeArgs ?? []),
      // with the node flags the local platform gives a meshed pod's proxy
      ...(o.bundle && o.launchFlags
        ? [...o.launchFlags, o.bundle]
        : proxyNodeArgs(o.bundle ?? path.join(o.repoRoot, 'apps/proxy/src/main.ts'))),
      '--config',
      file,
    ],
    env,
  );
  await waitForPort(adminPort, proc);
  await waitForPort(outboundPort, proc);
  if (o.appPort !== undefined) await waitForPort(inboundPort, proc);
  return { proc, inboundPort, outboundPort, adminPort };
}

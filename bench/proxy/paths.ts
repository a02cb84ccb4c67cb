/**
 * The request paths the proxy benchmark compares, each started once per run:
 *
 *   direct   load → upstream
 *   nginx    load → nginx (1 worker, keep-alive upstream pool) → upstream
 *   oneHop   load → Weft inbound listener → upstream          (a meshed server's proxy)
 *   twoHop   load → Weft outbound → Weft inbound → upstream   (the meshed path)
 *   oneHopAuthz   load → Weft inbound listener (50 authorization rules) → upstream (`authz.ts`)
 *   oneHopOut / oneHopPolicy   load → Weft outbound → upstream, without and with a
 *            10-rule route table and retries (`policy.ts`)
 *
 * To add a path (issue 7's `twoHopMtls`, say), append a `PathSpec` to `PATHS`: `start`
 * returns the port the load generator should hit and the pids whose CPU and memory are
 * the path's cost, or null (with a line saying why) when it cannot run here.
 */

import { oneHopAuthz } from './authz.ts';
import { twoHopMtls } from './mtls.ts';
import { type Nginx, startNginx } from './nginx.ts';
import { oneHopOut, oneHopPolicy } from './policy.ts';
import { oneHopBaseline, oneHopTapped } from './tap.ts';
import { startWeft } from './weft.ts';

export interface BenchContext {
  readonly repoRoot: string;
  readonly workDir: string;
  readonly taskset: string | null;
  /** The core the upstream and the proxies run on. */
  readonly serverCpu: string;
  readonly upstreamPort: number;
  /** The nginx binary, or null when it could not be had. */
  readonly nginx: string | null;
  /** An esbuild bundle of the proxy to run instead of the sources under tsx (`--bundle`). */
  readonly bundle: string | null;
  readonly log: (line: string) => void;
}

export interface RunningPath {
  /** Where the load generator sends requests (127.0.0.1). */
  readonly port: number;
  /** The processes whose CPU and memory this path adds (none for direct). */
  proxyPids(): number[];
  /** The proxies' admin ports (to wait for `/ready`), when the path has proxies. */
  readonly adminPorts?: readonly number[];
}

export interface PathSpec {
  /** The key in bench/results/proxy.json. */
  readonly key: string;
  readonly label: string;
  start(ctx: BenchContext): Promise<RunningPath | null>;
}

const direct: PathSpec = {
  key: 'direct',
  label: 'direct',
  async start(ctx) {
    return { port: ctx.upstreamPort, proxyPids: () => [] };
  },
};

const nginx: PathSpec = {
  key: 'nginx',
  label: 'nginx (1 worker)',
  async start(ctx) {
    if (ctx.nginx === null) return null;
    const n: Nginx = await startNginx(ctx.nginx, ctx.workDir, ctx.upstreamPort, ctx.taskset, ctx.serverCpu);
    return { port: n.port, proxyPids: () => n.pids() };
  },
};

const oneHop: PathSpec = {
  key: 'oneHop',
  label: 'Weft, one hop (inbound)',
  async start(ctx) {
    const p = await startWeft({
      repoRoot: ctx.repoRoot,
      workDir: ctx.workDir,
      name: 'one-hop',
      bundle: ctx.bundle,
      taskset: ctx.taskset,
      cpu: ctx.serverCpu,
      appPort: ctx.upstreamPort,
    });
    return { port: p.inboundPort, proxyPids: () => [p.proc.pid], adminPorts: [p.adminPort] };
  },
};

/** Two Weft hops; `env` and `meshed` are what an mTLS variant changes. */
export async function startTwoHops(
  ctx: BenchContext,
  name: string,
  extra: { env?: Record<string, string>; meshed?: boolean; identity?: string } = {},
): Promise<RunningPath> {
  const server = await startWeft({
    repoRoot: ctx.repoRoot,
    workDir: ctx.workDir,
    name: `${name}-server`,
    bundle: ctx.bundle,
    taskset: ctx.taskset,
    cpu: ctx.serverCpu,
    appPort: ctx.upstreamPort,
    env: extra.env,
  });
  const client = await startWeft({
    repoRoot: ctx.repoRoot,
    workDir: ctx.workDir,
    name: `${name}-client`,
    bundle: ctx.bundle,
    taskset: ctx.taskset,
    cpu: ctx.serverCpu,
    env: extra.env,
    routes: (own) => [
      {
        authority: `127.0.0.1:${own.outboundPort}`,
        endpoints: [
          {
            address: '127.0.0.1',
            port: server.inboundPort,
            meshed: extra.meshed ?? false,
            ...(extra.identity ? { identity: extra.identity } : {}),
          },
        ],
      },
    ],
  });
  return {
    port: client.outboundPort,
    proxyPids: () => [client.proc.pid, server.proc.pid],
    adminPorts: [client.adminPort, server.adminPort],
  };
}

const twoHop: PathSpec = {
  key: 'twoHop',
  label: 'Weft, two hops (out → in)',
  start: (ctx) => startTwoHops(ctx, 'two-hop'),
};

/** Every path, in the order they run within a repetition. */
export const PATHS: PathSpec[] = [
  direct,
  nginx,
  oneHopBaseline,
  oneHop,
  oneHopTapped,
  oneHopAuthz,
  oneHopOut,
  oneHopPolicy,
  twoHop,
  twoHopMtls,
];

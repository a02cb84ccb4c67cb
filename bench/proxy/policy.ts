/**
 * What traffic policy costs a hop: the same outbound hop (load → Weft outbound → upstream)
 * without policy and with a static 10-rule route table whose matching rule has retries
 * and a timeout on. Requests go to `/` and take the last rule, after nine that do not
 * match (exact paths, prefixes, a header and a method), as a user's catch-all would.
 * `ratios.policyCpuVsPlain` compares their CPU per request (goal: within +10%).
 */
import type { BenchContext, PathSpec, RunningPath } from './paths.ts';
import { startWeft } from './weft.ts';

function tenRules(authority: string, port: number): unknown {
  const source = (i: number) => ({ kind: 'HTTPRoute', namespace: 'bench', name: `rule-${i}` });
  const prefix = (value: string) => ({ path: { type: 'PathPrefix', value } });
  const matches = [
    [{ path: { type: 'Exact', value: '/healthz' } }],
    [prefix('/api/v1/orders')],
    [prefix('/api/v1/items')],
    [prefix('/api/v2')],
    [{ path: { type: 'Exact', value: '/login' }, method: 'POST' }],
    [{ headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }] }],
    [prefix('/static')],
    [{ path: { type: 'RegularExpression', value: '/users/[0-9]+' } }],
    [prefix('/admin')],
  ];
  const routes: unknown[] = matches.map((m, i) => ({ source: source(i), matches: m }));
  routes.push({
    source: source(9),
    matches: [prefix('/')],
    timeouts: { requestMs: 10_000 },
    retry: { httpStatuses: [{ min: 500, max: 599 }], grpcCodes: [14], limit: 2 },
  });
  return { revision: 1, authority, service: { namespace: 'bench', name: 'upstream', port }, routes };
}

async function outboundHop(ctx: BenchContext, name: string, withPolicy: boolean): Promise<RunningPath> {
  const p = await startWeft({
    repoRoot: ctx.repoRoot,
    workDir: ctx.workDir,
    name,
    bundle: ctx.bundle,
    taskset: ctx.taskset,
    cpu: ctx.serverCpu,
    routes: (own) => [
      {
        authority: `127.0.0.1:${own.outboundPort}`,
        endpoints: [{ address: '127.0.0.1', port: ctx.upstreamPort }],
      },
    ],
    policies: (own) => (withPolicy ? [tenRules(`127.0.0.1:${own.outboundPort}`, own.outboundPort)] : []),
  });
  return { port: p.outboundPort, proxyPids: () => [p.proc.pid], adminPorts: [p.adminPort] };
}

export const oneHopOut: PathSpec = {
  key: 'oneHopOut',
  label: 'Weft, one hop (outbound)',
  start: (ctx) => outboundHop(ctx, 'one-hop-out', false),
};

export const oneHopPolicy: PathSpec = {
  key: 'oneHopPolicy',
  label: 'Weft, one hop, 10 routes+retry',
  start: (ctx) => outboundHop(ctx, 'one-hop-policy', true),
};

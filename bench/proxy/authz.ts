/**
 * What authorization costs a hop: the one-hop inbound path (`oneHop`, no policy: anyone
 * may call) next to the same hop whose port has a Server with 50 authorization rules
 * (exact identities, namespace wildcards, CIDRs with `except`), the one that lets the
 * load generator in last. Every request is decided (the caller's decision is remembered,
 * so after the first one a request costs two lookups, not 50 rules).
 * `ratios.authzCpuVsPlain` and `ratios.authzCpuUsPerReq` (the µs of CPU per request it
 * adds; goal <= 5) compare their CPU per request.
 */
import { authzRule } from '../lib/authz-rules.ts';
import type { PathSpec } from './paths.ts';
import { startWeft } from './weft.ts';

/** How many rules the port carries. */
export const AUTHZ_RULES = 50;

/** The inbound policy of the benchmark's app port: 49 rules that do not let the load in, then one that does. */
export function fiftyRules(appPort: number): unknown {
  return {
    revision: 1,
    workload: { namespace: 'bench', name: 'one-hop-authz' },
    port: appPort,
    authz: {
      serverKind: 'server',
      serverName: 'bench-http',
      rules: [
        ...Array.from({ length: AUTHZ_RULES - 1 }, (_, i) => authzRule(i)),
        // the load generator connects in plaintext from 127.0.0.1
        {
          kind: 'AuthorizationPolicy',
          namespace: 'bench',
          name: 'local',
          identities: null,
          networks: [{ cidr: '127.0.0.0/8', except: ['127.99.0.0/16'] }],
        },
      ],
    },
  };
}

export const oneHopAuthz: PathSpec = {
  key: 'oneHopAuthz',
  label: `Weft, one hop, ${AUTHZ_RULES} authz rules`,
  async start(ctx) {
    const p = await startWeft({
      repoRoot: ctx.repoRoot,
      workDir: ctx.workDir,
      name: 'one-hop-authz',
      bundle: ctx.bundle,
      taskset: ctx.taskset,
      cpu: ctx.serverCpu,
      appPort: ctx.upstreamPort,
      inboundPolicies: (appPort) => [fiftyRules(appPort)],
    });
    return { port: p.inboundPort, proxyPids: () => [p.proc.pid], adminPorts: [p.adminPort] };
  },
};

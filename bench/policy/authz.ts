/**
 * Authorization cost per request with 50 rules on a port (identities, namespace
 * wildcards and CIDRs with `except`, the allowing rule last): µs of CPU per
 * `Authorizer.admitHttp()` for a caller already decided once (every request after the
 * first on a connection, or from the same pod), and for a new caller every time (each
 * decision walks all 50 rules). Median of several runs; JSON to stdout and to
 * bench/results/authz.json. The goal is ≤ 5 µs per request.
 *
 *   node --import tsx bench/policy/authz.ts [runs=7] [iterations=200000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InboundAuthzPlan } from '@weft/shared';
import { Authorizer } from '../../apps/proxy/src/policy/authz.ts';
import { authzRule } from '../lib/authz-rules.ts';
import { median, round } from '../lib/stats.ts';

const RULES = 50;
const runs = Number(process.argv[2] ?? 7);
const iterations = Number(process.argv[3] ?? 200_000);

const plan = InboundAuthzPlan.parse({
  serverKind: 'server',
  serverName: 'bench',
  rules: [
    ...Array.from({ length: RULES - 1 }, (_, i) => authzRule(i)),
    // The one that lets the callers in: a wildcard identity and a CIDR.
    {
      kind: 'AuthorizationPolicy',
      namespace: 'bench',
      name: 'last',
      identities: ['*.client.serviceaccount.identity.weft.cluster.local'],
      networks: [{ cidr: '127.0.0.0/8', except: ['127.99.0.0/16'] }],
    },
  ],
});

const IDENTITY = 'web.client.serviceaccount.identity.weft.cluster.local';

/** CPU µs per call of `f` over `iterations` calls. */
function cpuPerCall(f: (i: number) => boolean): number {
  let allowed = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) if (f(i)) allowed++;
  const used = process.cpuUsage(start);
  if (allowed !== iterations) throw new Error(`only ${allowed} of ${iterations} allowed`);
  return (used.user + used.system) / iterations;
}

const remembered: number[] = [];
const fresh: number[] = [];
const addresses = Array.from({ length: 4096 }, (_, i) => `127.1.${i >> 8}.${i & 255}`);
for (let r = 0; r < runs; r++) {
  const a = new Authorizer(plan);
  remembered.push(cpuPerCall(() => a.admitHttp(IDENTITY, '127.0.0.9')));
  // A new authorizer per 4096 calls, each call from a new address: every decision walks the rules.
  let b = new Authorizer(plan);
  fresh.push(
    cpuPerCall((i) => {
      if (i % 4096 === 0) b = new Authorizer(plan);
      return b.admitHttp(IDENTITY, addresses[i % 4096]);
    }),
  );
}

const result = {
  rules: RULES,
  runs,
  iterations,
  authzCpuUsPerReq: round(median(remembered), 3),
  authzCpuUsPerNewCaller: round(median(fresh), 3),
  samples: { remembered: remembered.map((x) => round(x, 3)), fresh: fresh.map((x) => round(x, 3)) },
  note: 'CPU µs per admitHttp call (process.cpuUsage), median of runs; the machine may be shared',
};
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(path.join(repoRoot, 'bench/results/authz.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));

/**
 * Set-up shared by the proxy benchmarks (main, ab, profile, idle): the upstream server
 * started pinned beside the proxies, the environment that makes a proxy ask the bench's
 * identity service for its certificate, and the exit path that stops every child.
 */
import path from 'node:path';
import { freePort, spawnPinned, stopAll, waitForPort } from '../lib/spawn.ts';
import { BENCH_NS, BENCH_SA, type startIdentityApi } from './mtls.ts';

/** Starts `bench/proxy/upstream.ts` on `cpu` (core 0 by default) and resolves with its port once it listens. */
export async function startBenchUpstream(
  repoRoot: string,
  taskset: string | null,
  cpu = '0',
): Promise<number> {
  const port = await freePort();
  const upstream = spawnPinned(taskset, cpu, process.execPath, [
    '--import',
    'tsx',
    path.join(repoRoot, 'bench/proxy/upstream.ts'),
    String(port),
  ]);
  await waitForPort(port, upstream);
  return port;
}

/** A proxy's environment to be certified as the bench service account by `api`. */
export function identityEnv(api: Awaited<ReturnType<typeof startIdentityApi>>): Record<string, string> {
  return {
    WEFT_PROXY_NAMESPACE: BENCH_NS,
    WEFT_PROXY_SERVICE_ACCOUNT: BENCH_SA,
    WEFT_PROXY_CONTROLLER_URL: api.url,
    WEFT_PROXY_IDENTITY_TOKEN: api.identity.tokens.issue({ namespace: BENCH_NS, serviceAccount: BENCH_SA }),
    WEFT_PROXY_IDENTITY_DIR: api.identity.identityDir,
  };
}

/** Runs a benchmark's `main`; on failure prints `name: what`, stops every child and exits 1. */
export function runBench(
  name: string,
  main: () => Promise<void>,
  detail: 'message' | 'stack' = 'message',
): void {
  main().catch(async (err: unknown) => {
    process.stderr.write(`${name}: ${(err as Error)[detail]}\n`);
    await stopAll();
    process.exit(1);
  });
}

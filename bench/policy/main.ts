/**
 * The policy benchmark (`npm run bench:policy`): propagation from `policies.applyYaml` to
 * "enforced in all of N proxies" (propagation.ts; p50/p99/max ms, goal p99 < 1 s), then
 * route matching with 1,000 routes (route-match.ts, when present). Prints a summary and
 * writes bench/results/policy.json.
 *
 *   npm run bench:policy -- [--proxies 100] [--rounds 10] [--poll-ms 50]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopAll } from '../lib/spawn.ts';
import { round } from '../lib/stats.ts';
import { measurePropagation } from './propagation.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string) => process.stdout.write(`${line}\n`);

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function routeMatch(): unknown {
  const script = path.join(repoRoot, 'bench/policy/route-match.ts');
  if (!existsSync(script)) return null;
  log('route matching (bench/policy/route-match.ts) ...');
  execFileSync(process.execPath, ['--import', 'tsx', script], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const out = path.join(repoRoot, 'bench/results/route-match.json');
  return existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null;
}

async function main() {
  const bundle = path.join(repoRoot, 'apps/proxy/dist/weft-proxy.cjs');
  if (!existsSync(bundle)) {
    log('building the proxy bundle (npm run build --workspace @weft/proxy) ...');
    execFileSync('npm', ['run', 'build', '--workspace', '@weft/proxy'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const proxies = option('proxies', 100);
  const rounds = option('rounds', 10);
  const pollMs = option('poll-ms', 50);
  const load = os.loadavg()[0] ?? 0;
  const r = await measurePropagation({ repoRoot, bundle, proxies, rounds, pollMs, timeoutMs: 10_000, log });
  const sorted = [...r.samples].sort((a, b) => a - b);
  const propagation = {
    proxies,
    rounds,
    pollMs,
    samples: sorted.length,
    timedOut: r.timedOut,
    p50Ms: round(percentile(sorted, 50), 1),
    p99Ms: round(percentile(sorted, 99), 1),
    maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
    applyMedianMs: round([...r.applyMs].sort((a, b) => a - b)[r.applyMs.length >> 1] ?? Number.NaN, 1),
    goalP99Ms: 1000,
  };
  log(
    `propagation to ${proxies} proxies x ${rounds} rounds: p50 ${propagation.p50Ms} ms, p99 ${propagation.p99Ms} ms, max ${propagation.maxMs} ms (apply call ${propagation.applyMedianMs} ms; ${r.timedOut} timed out; poll every ${pollMs} ms)`,
  );
  const matching = routeMatch();
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAverage1m: round(load, 2), node: process.version },
    propagation,
    routeMatch: matching,
  };
  mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'bench/results/policy.json'), `${JSON.stringify(result, null, 2)}\n`);
  log('wrote bench/results/policy.json');
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  .finally(() => stopAll());

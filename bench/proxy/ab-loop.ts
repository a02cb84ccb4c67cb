/**
 * What the A/B scripts (`ab.ts`, `ab-h2.ts`) share: their command line (`--reps`,
 * `--seconds`, `--a-bundle`/`--b-bundle`, `--a-flags`/`--b-flags`), pinning this process
 * to core 1, the two variants, the loop that runs them turn by turn (alternating which goes
 * first, so neither always follows the other), medians, and the top of B's CPU profile.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { median } from '../lib/stats.ts';
import { which } from '../lib/tools.ts';
import { bundleProxy } from './bundle.ts';
import { monotonicUs, summarise } from './cpu-profile.ts';

export interface AbArgs {
  /** The value after `name` on the command line, if any. */
  arg(name: string): string | undefined;
  /** Whether `name` is on the command line. */
  has(name: string): boolean;
  reps: number;
  seconds: number;
}

export interface AbVariant {
  name: 'A' | 'B';
  bundle: string;
  /** Node flags to launch with; undefined: the platform's. */
  flags: readonly string[] | undefined;
}

export function abArgs(argv: readonly string[]): AbArgs {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    arg,
    has: (name) => argv.includes(name),
    reps: Number(arg('--reps') ?? 5),
    seconds: Number(arg('--seconds') ?? 3),
  };
}

/** Pins this process (the load generators it starts) to core 1; the `taskset` path, or null on one core. */
export function pinToLoadCore(): string | null {
  const taskset = os.cpus().length >= 2 ? which('taskset') : null;
  if (taskset !== null) execFileSync(taskset, ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  return taskset;
}

/** A and B from the command line (this checkout's bundle, built into `workDir`, where a bundle is not given). */
export function abVariants(
  args: AbArgs,
  repoRoot: string,
  workDir: string,
  log: (line: string) => void,
): AbVariant[] {
  const flags = (s: string | undefined) => (s === undefined ? undefined : s.split(' ').filter(Boolean));
  const own = args.arg('--a-bundle') && args.arg('--b-bundle') ? null : bundleProxy(repoRoot, workDir);
  const variants = (['a', 'b'] as const).map((n) => ({
    name: n === 'a' ? ('A' as const) : ('B' as const),
    bundle: args.arg(`--${n}-bundle`) ?? (own as string),
    flags: flags(args.arg(`--${n}-flags`)),
  }));
  for (const v of variants)
    log(`${v.name}: ${v.bundle} with flags ${v.flags ? JSON.stringify(v.flags) : "(the platform's)"}`);
  return variants;
}

export interface AbTurns<T> {
  /** Each variant's turns, in order: [A's, B's]. */
  turns: [T[], T[]];
  /** The window B's profile is read in: from B's first turn to the end. */
  fromUs: number;
  toUs: number;
}

/** Runs `reps` rounds of one turn each for A (0) and B (1), alternating which goes first; logs every turn. */
export async function alternate<T>(
  reps: number,
  variants: readonly AbVariant[],
  turn: (i: number) => Promise<T>,
  describe: (t: T) => string,
  log: (line: string) => void,
): Promise<AbTurns<T>> {
  const turns: [T[], T[]] = [[], []];
  let fromUs = 0;
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) {
      if (r === 0 && i === 1) fromUs = monotonicUs();
      const t = await turn(i);
      (turns[i] as T[]).push(t);
      log(`rep ${r + 1} ${variants[i]?.name}: ${describe(t)}`);
    }
  }
  return { turns, fromUs, toUs: monotonicUs() };
}

/** The median of one figure over turns. */
export function med<T>(ts: readonly T[], f: (t: T) => number): number {
  return median(ts.map(f));
}

/** Logs the functions with the most self time in a `.cpuprofile`, within [fromUs, toUs]. */
export function logTopSelfTime(
  file: string,
  title: string,
  window: { fromUs: number; toUs: number },
  top: number,
  log: (line: string) => void,
): void {
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')), window.fromUs, window.toUs, top);
  log(`\n${title}, busy ${summary.busyPct}% of the window; top self time (% of busy):`);
  for (const row of summary.functions) log(`  ${String(row.selfPct).padStart(5)}%  ${row.name}`);
}

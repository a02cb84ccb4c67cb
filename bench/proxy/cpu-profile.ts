/**
 * Reading a V8 CPU profile (`node --cpu-prof`): self time by function and by file over a
 * time window, for profile.ts and ab.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock (the one `process.hrtime` reads). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the monotonic clock, in microseconds. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const IDLE = new Set(['(idle)', '(program)']);

interface Row {
  name: string;
  selfPct: number;
}

/**
 * Self time by function and by file, as percentages of the busy samples (not idle)
 * taken between `fromUs` and `toUs` (the load window: start-up is left out).
 */
export function summarise(
  profile: CpuProfile,
  fromUs: number,
  toUs: number,
  top = 25,
): { busyPct: number; functions: Row[]; files: Row[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let t = profile.startTime;
  let inWindow = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    inWindow++;
    const node = byId.get(profile.samples[i] as number);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (url === '' && IDLE.has(functionName)) continue;
    busy++;
    const file = url === '' ? '(native)' : url.replace(`file://${repoRoot}/`, '').replace(/^file:\/\//, '');
    const fn = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + 1);
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, selfPct: Math.round((hits / Math.max(1, busy)) * 1000) / 10 }));
  return {
    busyPct: Math.round((busy / Math.max(1, inWindow)) * 1000) / 10,
    functions: rows(byFn),
    files: rows(byFile),
  };
}

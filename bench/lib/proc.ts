/**
 * Process figures from /proc (Linux): resident memory and CPU time of a process and its
 * children, for measuring what a proxy costs while a load generator drives it.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `utime`/`stime` in /proc/PID/stat (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = 100;

/** Child process ids of `pid` (nginx's workers, say). */
export function childrenOf(pid: number): number[] {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return tasks === '' ? [] : tasks.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds (user + system) spent so far by `pid`. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Resident set size and its private (anonymous) part, in MB. */
export interface Rss {
  rssMb: number;
  anonMb: number;
}

export function rss(pid: number): Rss {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, anonMb: kb('RssAnon') / 1024 };
  } catch {
    return { rssMb: 0, anonMb: 0 };
  }
}

/** Sums CPU seconds over several processes. */
export function totalCpuSeconds(pids: readonly number[]): number {
  let s = 0;
  for (const p of pids) s += cpuSeconds(p);
  return s;
}

/** Sums RSS over several processes. */
export function totalRss(pids: readonly number[]): Rss {
  const out = { rssMb: 0, anonMb: 0 };
  for (const p of pids) {
    const r = rss(p);
    out.rssMb += r.rssMb;
    out.anonMb += r.anonMb;
  }
  return out;
}

/**
 * Samples the RSS of `pids()` every `intervalMs` until stopped, keeping the peak. `pids`
 * is a function so that processes forked meanwhile (nginx workers) are included.
 */
export function sampleRss(pids: () => readonly number[], intervalMs = 100): { stop(): Rss } {
  const peak: Rss = { rssMb: 0, anonMb: 0 };
  const take = () => {
    const r = totalRss(pids());
    if (r.rssMb > peak.rssMb) peak.rssMb = r.rssMb;
    if (r.anonMb > peak.anonMb) peak.anonMb = r.anonMb;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop(): Rss {
      clearInterval(timer);
      take();
      return peak;
    },
  };
}

/**
 * Preloaded into the Node processes `tail.ts` watches (`node --import tail-probe.mjs ...`):
 * appends their GC pauses (`gc START_NS DURATION_NS KIND`, KIND as perf_hooks' gc entries:
 * 1 minor, 4 major, 8 incremental, 16 weak callbacks) and event-loop stalls (`stall
 * DUE_NS LATE_NS`: a 2 ms interval timer that fired over 1 ms late) to
 * `$TAIL_PROBE_DIR/<pid>.probe`, timestamps on CLOCK_MONOTONIC (process.hrtime), the
 * clock the load generator logs its requests with. At most 5,000 lines wait between
 * flushes (every 500 ms).
 */
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const file = `${process.env.TAIL_PROBE_DIR}/${process.pid}.probe`;
const MAX_LINES = 5000;
const PERIOD_NS = 2_000_000n;
let lines = [];

function flush() {
  if (lines.length === 0) return;
  appendFileSync(file, `${lines.join('\n')}\n`);
  lines = [];
}

new PerformanceObserver((list) => {
  const nowNs = process.hrtime.bigint();
  const nowMs = performance.now();
  for (const e of list.getEntries()) {
    if (lines.length >= MAX_LINES) break;
    const start = nowNs - BigInt(Math.round((nowMs - e.startTime) * 1e6));
    lines.push(`gc ${start} ${Math.round(e.duration * 1e6)} ${e.detail?.kind ?? 0}`);
  }
}).observe({ entryTypes: ['gc'] });

let due = process.hrtime.bigint() + PERIOD_NS;
setInterval(() => {
  const t = process.hrtime.bigint();
  if (t - due > 1_000_000n && lines.length < MAX_LINES) lines.push(`stall ${due} ${t - due}`);
  due = t + PERIOD_NS;
}, 2).unref();
setInterval(flush, 500).unref();
process.on('exit', flush);

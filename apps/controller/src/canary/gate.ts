/**
 * A canary's gates judged on what the canary backend showed during one hold: enough
 * responses, a success rate at least the minimum, a p99 at most the maximum. Nothing
 * measured is a failure, never a pass.
 */
import type { CanaryGates, CanaryMeasurement } from '@weft/shared';

export type GateResult = { ok: true; message: string } | { ok: false; message: string };

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

function measured(m: CanaryMeasurement): string {
  const sr = m.successRate === null ? 'no success rate' : `success rate ${percent(m.successRate)}`;
  const p99 = m.p99Ms === null ? 'no p99' : `p99 ${Math.round(m.p99Ms)} ms`;
  return `${sr}, ${p99}, ${m.requests} responses`;
}

export function judgeGates(m: CanaryMeasurement, gates: CanaryGates): GateResult {
  const why: string[] = [];
  if (m.requests < gates.minRequests) why.push(`${m.requests} responses < ${gates.minRequests} needed`);
  if (m.successRate === null || m.successRate < gates.minSuccessRate)
    why.push(
      m.successRate === null
        ? 'no success rate measured'
        : `success rate ${percent(m.successRate)} < ${percent(gates.minSuccessRate)}`,
    );
  if (m.p99Ms === null || m.p99Ms > gates.maxP99Ms)
    why.push(m.p99Ms === null ? 'no p99 measured' : `p99 ${Math.round(m.p99Ms)} ms > ${gates.maxP99Ms} ms`);
  if (why.length > 0) return { ok: false, message: `gate failed: ${why.join('; ')}` };
  return { ok: true, message: `gate passed: ${measured(m)}` };
}

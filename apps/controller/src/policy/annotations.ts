/**
 * Reads the retry, timeout and failure-accrual annotations of a Service or a route
 * (`retry.weft.dev/*` or Linkerd's `retry.linkerd.io/*`, ...) into plan fragments, with
 * one problem per bad key or value, each naming the annotation.
 */
import {
  ANNOTATION_PREFIXES,
  type FailureAccrualPlan,
  POLICY_ANNOTATIONS,
  type PolicyAnnotationGroup,
  parsePolicyDuration,
  policyAnnotationKey,
  RETRYABLE_GRPC_STATUSES,
  type RetryPlan,
  type StatusRange,
  type TimeoutsPlan,
} from '@weft/shared';

export interface AnnotationProblem {
  path: string;
  message: string;
}

export interface AnnotationPolicy {
  /** Present when any retry annotation is set. */
  retry?: RetryPlan;
  /** Present when any timeout annotation is set. */
  timeouts?: Pick<TimeoutsPlan, 'requestMs' | 'responseMs' | 'idleMs'>;
  /** Present when failure accrual is switched on (Services only). */
  failureAccrual?: FailureAccrualPlan;
  problems: AnnotationProblem[];
}

const MAX_RETRIES = 10;

function pathOf(key: string): string {
  return `metadata.annotations["${key}"]`;
}

/** Finds the value of `<group>.weft.dev/<name>`, else `<group>.linkerd.io/<name>`. */
function lookup(
  annotations: Record<string, string>,
  group: PolicyAnnotationGroup,
  name: string,
): { key: string; value: string } | undefined {
  for (const prefix of ['weft', 'linkerd'] as const) {
    const key = policyAnnotationKey(group, name, prefix);
    const value = annotations[key];
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

function parseStatusRanges(value: string): StatusRange[] | string {
  const ranges: StatusRange[] = [];
  for (const raw of value.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '') continue;
    if (token === '5xx') ranges.push({ min: 500, max: 599 });
    else if (token === 'gateway-error') ranges.push({ min: 502, max: 504 });
    else {
      const m = /^(\d{3})(?:-(\d{3}))?$/.exec(token);
      const min = Number(m?.[1]);
      const max = Number(m?.[2] ?? m?.[1]);
      if (!m || min < 100 || max > 599 || min > max)
        return `"${raw.trim()}" is not 5xx, gateway-error, a status code (500) or a range (500-504)`;
      ranges.push({ min, max });
    }
  }
  return ranges;
}

function parseGrpcCodes(value: string): number[] | string {
  const codes: number[] = [];
  for (const raw of value.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === '') continue;
    const code = RETRYABLE_GRPC_STATUSES[token];
    if (code === undefined)
      return `"${raw.trim()}" is not one of ${Object.keys(RETRYABLE_GRPC_STATUSES).join(', ')}`;
    codes.push(code);
  }
  return codes;
}

function positiveDuration(value: string): number | string {
  const ms = parsePolicyDuration(value);
  if (ms === undefined) return `"${value}" is not a duration such as 500ms, 10s or 1m`;
  if (ms <= 0) return `"${value}" must be longer than 0`;
  return ms;
}

function integerIn(value: string, min: number, max: number): number | string {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    return `"${value}" must be a whole number from ${min} to ${max}`;
  return n;
}

/** Unknown keys under our groups (`retry.weft.dev/limt`) are problems, not silently ignored. */
function unknownKeys(annotations: Record<string, string>, problems: AnnotationProblem[]): void {
  for (const key of Object.keys(annotations)) {
    const slash = key.indexOf('/');
    if (slash < 0) continue;
    const domain = key.slice(0, slash);
    for (const [group, names] of Object.entries(POLICY_ANNOTATIONS)) {
      for (const prefix of Object.values(ANNOTATION_PREFIXES)) {
        if (domain !== `${group}.${prefix}`) continue;
        if (!(names as readonly string[]).includes(key.slice(slash + 1)))
          problems.push({
            path: pathOf(key),
            message: `unknown annotation; ${group}.${prefix}/ takes ${names.join(', ')}`,
          });
      }
    }
  }
}

function readRetry(a: Record<string, string>, problems: AnnotationProblem[]): RetryPlan | undefined {
  const http = lookup(a, 'retry', 'http');
  const grpc = lookup(a, 'retry', 'grpc');
  const limit = lookup(a, 'retry', 'limit');
  const timeout = lookup(a, 'retry', 'timeout');
  if (!http && !grpc && !limit && !timeout) return undefined;
  const plan: RetryPlan = { httpStatuses: [], grpcCodes: [], limit: 1 };
  const take = <T>(found: { key: string; value: string } | undefined, parse: (v: string) => T | string) => {
    if (!found) return undefined;
    const r = parse(found.value);
    if (typeof r === 'string') {
      problems.push({ path: pathOf(found.key), message: r });
      return undefined;
    }
    return r;
  };
  plan.httpStatuses = take(http, parseStatusRanges) ?? [];
  plan.grpcCodes = take(grpc, parseGrpcCodes) ?? [];
  plan.limit = take(limit, (v) => integerIn(v, 0, MAX_RETRIES)) ?? 1;
  const timeoutMs = take(timeout, positiveDuration);
  if (timeoutMs !== undefined) plan.timeoutMs = timeoutMs;
  return plan;
}

function readTimeouts(
  a: Record<string, string>,
  problems: AnnotationProblem[],
): AnnotationPolicy['timeouts'] {
  const out: NonNullable<AnnotationPolicy['timeouts']> = {};
  let any = false;
  for (const [name, field] of [
    ['request', 'requestMs'],
    ['response', 'responseMs'],
    ['idle', 'idleMs'],
  ] as const) {
    const found = lookup(a, 'timeout', name);
    if (!found) continue;
    any = true;
    const ms = positiveDuration(found.value);
    if (typeof ms === 'string') problems.push({ path: pathOf(found.key), message: ms });
    else out[field] = ms;
  }
  return any ? out : undefined;
}

function readFailureAccrual(
  a: Record<string, string>,
  problems: AnnotationProblem[],
  allowed: boolean,
): FailureAccrualPlan | undefined {
  const mode = lookup(a, 'balancer', 'failure-accrual');
  const params = POLICY_ANNOTATIONS.balancer.slice(1).map((n) => lookup(a, 'balancer', n));
  if (!mode) {
    for (const p of params)
      if (p)
        problems.push({
          path: pathOf(p.key),
          message: 'has no effect without the failure-accrual annotation set to "consecutive"',
        });
    return undefined;
  }
  if (!allowed) {
    problems.push({ path: pathOf(mode.key), message: 'failure accrual is set on a Service, not on a route' });
    return undefined;
  }
  if (mode.value.trim() !== 'consecutive') {
    problems.push({
      path: pathOf(mode.key),
      message: `"${mode.value}" is not a failure accrual mode; use "consecutive"`,
    });
    return undefined;
  }
  const plan: FailureAccrualPlan = {
    consecutiveFailures: 7,
    minPenaltyMs: 1_000,
    maxPenaltyMs: 60_000,
    jitterRatio: 0.5,
  };
  const [maxFailures, minPenalty, maxPenalty, jitter] = params;
  const report = (found: { key: string }, message: string) =>
    problems.push({ path: pathOf(found.key), message });
  if (maxFailures) {
    const n = integerIn(maxFailures.value, 1, 1000);
    if (typeof n === 'string') report(maxFailures, n);
    else plan.consecutiveFailures = n;
  }
  if (minPenalty) {
    const ms = positiveDuration(minPenalty.value);
    if (typeof ms === 'string') report(minPenalty, ms);
    else plan.minPenaltyMs = ms;
  }
  if (maxPenalty) {
    const ms = positiveDuration(maxPenalty.value);
    if (typeof ms === 'string') report(maxPenalty, ms);
    else plan.maxPenaltyMs = ms;
  }
  if (plan.minPenaltyMs > plan.maxPenaltyMs)
    report(
      maxPenalty ?? minPenalty ?? mode,
      'the maximum penalty must not be shorter than the minimum penalty',
    );
  if (jitter) {
    const r = Number(jitter.value.trim());
    if (jitter.value.trim() === '' || !Number.isFinite(r) || r < 0 || r > 100)
      report(jitter, `"${jitter.value}" must be a number from 0 to 100`);
    else plan.jitterRatio = r;
  }
  return plan;
}

/** Reads the annotations of a Service (`on: 'service'`) or a route (`on: 'route'`, no failure accrual). */
export function readPolicyAnnotations(
  annotations: Record<string, string> | undefined,
  on: 'service' | 'route',
): AnnotationPolicy {
  const problems: AnnotationProblem[] = [];
  if (!annotations) return { problems };
  unknownKeys(annotations, problems);
  const retry = readRetry(annotations, problems);
  const timeouts = readTimeouts(annotations, problems);
  const failureAccrual = readFailureAccrual(annotations, problems, on === 'service');
  return {
    ...(retry ? { retry } : {}),
    ...(timeouts ? { timeouts } : {}),
    ...(failureAccrual ? { failureAccrual } : {}),
    problems,
  };
}

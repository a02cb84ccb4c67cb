/** Retries, timeouts and failure accrual of a Service, as its `Service` policy document's annotations set them. */
import { POLICY_ANNOTATIONS, type ServiceAnnotations } from '@weft/shared';
import { annotationValue } from '../../lib/policy/service-policies.ts';

const WORDS: Record<string, string> = {
  'retry/http': 'Retry HTTP answers',
  'retry/grpc': 'Retry gRPC statuses',
  'retry/limit': 'Retries at most',
  'retry/timeout': 'Each attempt times out after',
  'timeout/request': 'Request timeout',
  'timeout/response': 'Response timeout',
  'timeout/idle': 'Idle timeout',
  'balancer/failure-accrual': 'Failure accrual',
};

export function ResilienceSection({ overlay }: { overlay: ServiceAnnotations | undefined }) {
  const annotations = overlay?.metadata.annotations;
  const rows: [string, string][] = [];
  for (const [group, keys] of Object.entries(POLICY_ANNOTATIONS) as [
    keyof typeof POLICY_ANNOTATIONS,
    readonly string[],
  ][])
    for (const key of keys) {
      const value = annotationValue(annotations, group, key);
      if (value !== undefined) rows.push([WORDS[`${group}/${key}`] ?? `${group} ${key}`, value]);
    }
  if (rows.length === 0)
    return <p className="state-empty">No retries, timeouts or failure accrual are set on this Service.</p>;
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd className="mono">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Synthetic proxy `/metrics` text, shaped like a busy Weft proxy in Linkerd's names: inbound
 * traffic from several meshed clients and outbound traffic to several destinations, each
 * split by status code, with latency histograms and TCP counters. Counters grow with `round`.
 */
import { LATENCY_BUCKETS_MS } from '@weft/shared';

export interface ProxyShape {
  namespace: string;
  deployment: string;
  pod: string;
  /** Meshed clients calling this pod. */
  clients: number;
  /** Destination workloads this pod calls. */
  destinations: number;
  /** Status codes per label set. */
  statuses: number;
}

const STATUS = ['200', '201', '404', '500', '503'];

export function proxyText(s: ProxyShape, round: number): string {
  const lines: string[] = [];
  const own = `namespace="${s.namespace}",deployment="${s.deployment}",pod="${s.pod}"`;
  const sets: string[] = [];
  for (let c = 0; c < s.clients; c++) {
    sets.push(
      `direction="inbound",${own},authority="${s.deployment}.${s.namespace}.svc.cluster.local:8080",tls="true",client_id="client-${c}.${s.namespace}.serviceaccount.identity.weft.cluster.local"`,
    );
  }
  for (let d = 0; d < s.destinations; d++) {
    sets.push(
      `direction="outbound",${own},authority="dst-${d}.${s.namespace}.svc.cluster.local:8080",dst_namespace="${s.namespace}",dst_deployment="dst-${d}",tls="true",server_id="dst-${d}.${s.namespace}.serviceaccount.identity.weft.cluster.local"`,
    );
  }
  lines.push('# HELP request_total Total requests.', '# TYPE request_total counter');
  for (const l of sets) lines.push(`request_total{${l}} ${round * 50}`);
  lines.push('# HELP response_total Total responses.', '# TYPE response_total counter');
  for (const l of sets) {
    for (let k = 0; k < s.statuses; k++) {
      const code = STATUS[k % STATUS.length] ?? '200';
      const cls = code.startsWith('5') ? 'failure' : 'success';
      lines.push(`response_total{${l},status_code="${code}",classification="${cls}"} ${round * (10 + k)}`);
    }
  }
  lines.push('# HELP response_latency_ms Response latency.', '# TYPE response_latency_ms histogram');
  for (const l of sets) {
    for (let k = 0; k < s.statuses; k++) {
      const code = STATUS[k % STATUS.length] ?? '200';
      let cum = 0;
      for (const le of LATENCY_BUCKETS_MS) {
        if (le >= 3 && le <= 500) cum += round;
        lines.push(`response_latency_ms_bucket{${l},status_code="${code}",le="${le}"} ${cum}`);
      }
      lines.push(`response_latency_ms_bucket{${l},status_code="${code}",le="+Inf"} ${cum}`);
      lines.push(`response_latency_ms_sum{${l},status_code="${code}"} ${cum * 37.5}`);
      lines.push(`response_latency_ms_count{${l},status_code="${code}"} ${cum}`);
    }
  }
  for (const m of ['tcp_open_total', 'tcp_close_total', 'tcp_read_bytes_total', 'tcp_write_bytes_total']) {
    lines.push(`# TYPE ${m} counter`);
    for (const l of sets) lines.push(`${m}{${l},peer="src"} ${round * 1000}`);
  }
  lines.push('# TYPE process_start_time_seconds gauge', 'process_start_time_seconds 1764300000');
  return `${lines.join('\n')}\n`;
}

/** The shape used for the 100-pod figures: 3 clients, 3 destinations, 3 status codes each. */
export function typicalShape(i: number): ProxyShape {
  return {
    namespace: `ns-${i % 5}`,
    deployment: `app-${Math.floor(i / 2)}`,
    pod: `app-${Math.floor(i / 2)}-${i % 2}`,
    clients: 3,
    destinations: 3,
    statuses: 3,
  };
}

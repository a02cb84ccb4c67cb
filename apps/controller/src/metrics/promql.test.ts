import { describe, expect, it } from 'vitest';
import { latencyQuantileQuery, quote, responseRateQuery, responsesQuery, selector } from './promql.ts';

describe('PromQL built from the shared names', () => {
  it('counts responses by classification like Linkerd stat_summary', () => {
    expect(
      responsesQuery(
        'inbound',
        [{ label: 'namespace', op: '=', value: 'demo' }],
        ['namespace', 'deployment'],
        60,
      ),
    ).toBe(
      'sum(increase(response_total{direction="inbound",namespace="demo"}[60s])) by (namespace, deployment, classification)',
    );
  });

  it('asks histogram_quantile over the window increase of the latency buckets', () => {
    expect(
      latencyQuantileQuery(0.95, 'outbound', [{ label: 'dst_deployment', op: '!=', value: '' }], [], 300),
    ).toBe(
      'histogram_quantile(0.95, sum(increase(response_latency_ms_bucket{direction="outbound",dst_deployment!=""}[300s])) by (le))',
    );
    expect(responseRateQuery('inbound', [], 20)).toBe(
      'sum(rate(response_total{direction="inbound"}[20s])) by (classification)',
    );
  });

  it('escapes label values', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(selector('inbound', [{ label: 'pod', op: '=', value: 'x"}' }])).toBe(
      '{direction="inbound",pod="x\\"}"}',
    );
  });
});

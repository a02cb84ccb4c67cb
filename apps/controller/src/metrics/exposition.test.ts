import { MeshError } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { NO_LABELS, parseExposition, parseLe } from './exposition.ts';

const TEXT = `# HELP response_total Total responses.
# TYPE response_total counter
response_total{direction="outbound",dst_deployment="api",classification="success",status_code="200"} 17
response_total{direction="outbound",dst_deployment="api",classification="failure",status_code="500"} 3 1700000000000
# TYPE response_latency_ms histogram
response_latency_ms_bucket{direction="inbound",le="1"} 0
response_latency_ms_bucket{direction="inbound",le="+Inf"} 20
response_latency_ms_sum{direction="inbound"} 123.5
process_start_time_seconds 1.7e9
weird{path="a\\"b\\\\c\\nd", empty=""} NaN
`;

describe('parseExposition', () => {
  it('reads names, labels, values and keeps the series key as written', () => {
    const s = parseExposition(TEXT);
    expect(s).toHaveLength(7);
    expect(s[0]).toEqual({
      name: 'response_total',
      labels: { direction: 'outbound', dst_deployment: 'api', classification: 'success', status_code: '200' },
      value: 17,
      key: 'response_total{direction="outbound",dst_deployment="api",classification="success",status_code="200"}',
    });
    expect(s[1]?.value).toBe(3);
    expect(s[3]?.labels.le).toBe('+Inf');
    expect(s[5]).toMatchObject({ name: 'process_start_time_seconds', value: 1.7e9, labels: {} });
    expect(s[6]?.labels).toEqual({ path: 'a"b\\c\nd', empty: '' });
    expect(s[6]?.value).toBeNaN();
  });

  it('skips names the filter rejects', () => {
    const s = parseExposition(TEXT, (n) => n === 'response_latency_ms_bucket');
    expect(s.map((x) => x.labels.le)).toEqual(['1', '+Inf']);
  });

  it('does not parse the labels of series the caller already knows', () => {
    const known = new Set(['response_total{a="1",b="x}y"}', 'process_start_time_seconds']);
    const s = parseExposition(
      'response_total{a="1",b="x}y"} 5\nresponse_total{a="2"} 6\nprocess_start_time_seconds 9\n',
      undefined,
      (k) => known.has(k),
    );
    expect(s.map((x) => [x.key, x.value, x.labels === NO_LABELS])).toEqual([
      ['response_total{a="1",b="x}y"}', 5, true],
      ['response_total{a="2"}', 6, false],
      ['process_start_time_seconds', 9, true],
    ]);
  });

  it('accepts CRLF line ends and a missing final newline', () => {
    expect(parseExposition('a 1\r\nb{x="y"} 2')).toHaveLength(2);
  });

  it.each([
    ['response_total{a="b" 1', 'line 1'],
    ['response_total{a=b} 1', 'quoted value for label a'],
    ['response_total 1x', 'bad value "1x"'],
    ['response_total', 'missing value'],
    ['x{a="1",a="2"} 1', 'label a given twice'],
    ['ok 1\n9bad 1', 'line 2: expected a metric name'],
    ['x{a="1} 1', 'unterminated value'],
    ['x 1 2 3', 'unexpected text'],
  ])('rejects %j with an error naming what is wrong', (text, message) => {
    let err: unknown;
    try {
      parseExposition(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe('WEFT_INVALID_INPUT');
    expect((err as Error).message).toContain(message);
  });

  it('parses le values', () => {
    expect(parseLe('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseLe('0.5')).toBe(0.5);
    expect(parseLe('abc')).toBeNaN();
  });
});

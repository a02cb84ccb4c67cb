import type { TapEvent } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.ts';
import { filterFromOptions, TAP_HEADER, tapLine } from './tap.ts';

const event: TapEvent = {
  proxy: 'demo/web/web-1',
  direction: 'outbound',
  at: Date.UTC(2026, 0, 1, 12, 0, 0, 5),
  source: { namespace: 'demo', workload: 'web' },
  destination: { namespace: 'demo', workload: 'catalog' },
  method: 'GET',
  authority: 'catalog.demo:8080',
  path: '/books/b1',
  status: 504,
  grpcStatus: null,
  latencyMs: 1001.4,
  requestBytes: 0,
  clientIdentity: null,
  serverIdentity: null,
  route: 'HTTPRoute demo/catalog-timeout',
  backend: null,
  endpoint: null,
  attempts: [],
  retries: 1,
  timeoutMs: 1000,
  attemptTimeoutMs: null,
  fault: null,
  proxyError: 'request-timeout',
  authorization: null,
  headers: [],
};

describe('weft tap', () => {
  it('turns flags into the filter', () => {
    expect(
      filterFromOptions('web', { namespace: 'demo', method: 'post', path: '/a', status: '5xx', maxRps: '7' }),
    ).toEqual({
      namespace: 'demo',
      workload: 'web',
      method: 'POST',
      pathPrefix: '/a',
      statusClass: '5xx',
      maxRps: 7,
    });
  });

  it('names the bad flag, as a usage error', () => {
    try {
      filterFromOptions(undefined, { path: 'no-slash' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).message).toMatch(/^--path: /);
      expect((err as CliError).exitCode).toBe(2);
    }
  });

  it('prints one line per request, its columns under the header', () => {
    const line = tapLine(event);
    expect(line).toBe(
      `12:00:00.005 out demo/web                 demo/catalog             GET     504         1001ms catalog.demo:8080/books/b1  retries=1 error=request-timeout route=HTTPRoute:demo/catalog-timeout`,
    );
    for (const col of ['METHOD', 'STATUS', 'AUTHORITY/PATH']) {
      const at = TAP_HEADER.indexOf(col);
      expect(line.slice(at, at + 3)).toBe({ METHOD: 'GET', STATUS: '504', 'AUTHORITY/PATH': 'cat' }[col]);
    }
  });
});

import { TRPCClientError } from '@trpc/client';
import { ErrorCode } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { describeError, isUnreachable } from './errors';

function apiError(message: string, httpStatus: number, code: string, meshCode?: string) {
  return new TRPCClientError(message, {
    result: { error: { message, code: -32000, data: { code, httpStatus, meshCode } } },
  });
}

describe('describeError', () => {
  it('shows the controller own refusal for a 503 that carries its code', () => {
    const err = apiError(
      'this controller replica has not listed httproutes yet (it is starting); try again shortly',
      503,
      'SERVICE_UNAVAILABLE',
      ErrorCode.notReady,
    );
    expect(isUnreachable(err)).toBe(false);
    expect(describeError(err)).toBe(
      'Not possible right now: this controller replica has not listed httproutes yet (it is starting); try again shortly',
    );
  });

  it('says the controller cannot be reached for a bare 502/503/504 or a network failure', () => {
    expect(describeError(apiError('Bad Gateway', 502, 'INTERNAL_SERVER_ERROR'))).toBe(
      'The controller cannot be reached.',
    );
    expect(isUnreachable(apiError('Service Unavailable', 503, 'SERVICE_UNAVAILABLE'))).toBe(true);
    expect(isUnreachable(new TypeError('fetch failed'))).toBe(true);
  });
});

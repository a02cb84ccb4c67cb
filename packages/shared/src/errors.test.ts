import { describe, expect, it } from 'vitest';
import { ErrorCode, MeshError } from './errors.ts';

describe('MeshError', () => {
  it('carries a stable code and its cause', () => {
    const cause = new Error('boom');
    const err = new MeshError(ErrorCode.notFound, 'workload demo/web not found', { cause });
    expect(err.code).toBe('WEFT_NOT_FOUND');
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(MeshError);
    expect(new Error('x')).not.toBeInstanceOf(MeshError);
  });
});

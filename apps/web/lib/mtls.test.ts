import { describe, expect, it } from 'vitest';
import { mtlsDescription, mtlsLabel } from './mtls.ts';

describe('mtlsLabel', () => {
  it('says mTLS, plain, or the share in between', () => {
    expect(mtlsLabel(1)).toBe('mTLS');
    expect(mtlsLabel(0)).toBe('plain');
    expect(mtlsLabel(0.4)).toBe('mTLS 40%');
    expect(mtlsDescription(0.4)).toBe('mTLS on 40% of requests');
  });
  it('never rounds a part to none or all', () => {
    expect(mtlsLabel(0.001)).toBe('mTLS 1%');
    expect(mtlsLabel(0.998)).toBe('mTLS 99%');
  });
});

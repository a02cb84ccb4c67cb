import { describe, expect, it } from 'vitest';
import { CertifyRequest } from './identity.ts';

describe('CertifyRequest', () => {
  it('accepts a CSR and a token', () => {
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
    expect(CertifyRequest.parse({ csr, token: 't' })).toEqual({ csr, token: 't' });
  });

  it('names the field that is wrong', () => {
    const r = CertifyRequest.safeParse({ csr: 'not pem', token: '' });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(paths).toEqual(['csr: must be a PEM "CERTIFICATE REQUEST" block', 'token: must not be empty']);
  });
});

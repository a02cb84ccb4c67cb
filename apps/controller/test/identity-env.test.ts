/** The controller's identity settings, as `loadEnv` reads them. */
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../src/env.ts';

describe('identity environment', () => {
  it('defaults to a generated CA and 24 h certificates', () => {
    const env = loadEnv({}, '/srv');
    expect(env.identity).toEqual({ certLifetimeMs: 86_400_000, supplied: undefined });
  });

  it('reads the certificate lifetime and the supplied CA files', () => {
    const env = loadEnv(
      {
        WEFT_IDENTITY_CERT_LIFETIME: '60s',
        WEFT_IDENTITY_TRUST_ANCHOR_FILE: 'ca/root.pem',
        WEFT_IDENTITY_ISSUER_CERT_FILE: 'ca/issuer.pem',
        WEFT_IDENTITY_ISSUER_KEY_FILE: '/keys/issuer.key',
      },
      '/srv',
    );
    expect(env.identity).toEqual({
      certLifetimeMs: 60_000,
      supplied: {
        trustAnchor: '/srv/ca/root.pem',
        issuerCert: '/srv/ca/issuer.pem',
        issuerKey: '/keys/issuer.key',
      },
    });
  });

  it('names the bad variable', () => {
    expect(() => loadEnv({ WEFT_IDENTITY_CERT_LIFETIME: 'tomorrow' })).toThrow(
      /WEFT_IDENTITY_CERT_LIFETIME: must be a duration/,
    );
    expect(() => loadEnv({ WEFT_IDENTITY_ISSUER_KEY_FILE: 'k.pem' })).toThrow(/must be set together/);
  });
});

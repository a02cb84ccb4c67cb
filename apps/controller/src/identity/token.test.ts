import { describe, expect, it } from 'vitest';
import { HmacTokens } from './token.ts';

describe('HmacTokens', () => {
  const tokens = new HmacTokens(HmacTokens.newSecret());

  it('validates the tokens it issued, naming the workload', async () => {
    const t = tokens.issue({ namespace: 'demo', serviceAccount: 'web', workload: 'web', pod: 'web-abc' });
    expect(await tokens.validate(t)).toEqual({
      namespace: 'demo',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-abc',
    });
  });

  it('refuses a token signed with another secret', async () => {
    const other = new HmacTokens(HmacTokens.newSecret());
    const t = other.issue({ namespace: 'demo', serviceAccount: 'web' });
    await expect(tokens.validate(t)).rejects.toThrow(/signature is invalid/);
  });

  it('refuses a token whose claims were changed', async () => {
    const t = tokens.issue({ namespace: 'demo', serviceAccount: 'web' });
    const [p, , mac] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ ns: 'demo', sa: 'admin', iat: 1 })).toString('base64url');
    await expect(tokens.validate(`${p}.${forged}.${mac}`)).rejects.toThrow(/signature is invalid/);
  });

  it('refuses things that are not tokens', async () => {
    await expect(tokens.validate('hello')).rejects.toThrow(/not a Weft workload token/);
    await expect(tokens.validate('weft1..')).rejects.toThrow(/signature is invalid/);
  });

  it('refuses a secret that is too short', () => {
    expect(() => new HmacTokens(Buffer.alloc(8))).toThrow(/at least 32 bytes/);
  });
});

import { describe, expect, it } from 'vitest';
import { DnsLabel, meshIdentity, parseMeshIdentity } from './names.ts';

describe('DnsLabel', () => {
  it('accepts Kubernetes object names', () => {
    expect(DnsLabel.parse('web-frontend')).toBe('web-frontend');
    expect(DnsLabel.parse('a1')).toBe('a1');
  });

  it('rejects names Kubernetes would reject, saying why', () => {
    expect(() => DnsLabel.parse('')).toThrow(/must not be empty/);
    expect(() => DnsLabel.parse('Web')).toThrow(/lowercase/);
    expect(() => DnsLabel.parse('-web')).toThrow(/starting and ending/);
    expect(() => DnsLabel.parse('a'.repeat(64))).toThrow(/63/);
  });
});

describe('meshIdentity', () => {
  it('builds and parses the identity string', () => {
    const id = meshIdentity('web', 'demo');
    expect(id).toBe('web.demo.serviceaccount.identity.weft.cluster.local');
    expect(parseMeshIdentity(id)).toEqual({
      serviceAccount: 'web',
      namespace: 'demo',
      trustDomain: 'cluster.local',
    });
  });

  it('refuses strings that are not identities', () => {
    expect(parseMeshIdentity('web.demo.svc.cluster.local')).toBeUndefined();
  });
});

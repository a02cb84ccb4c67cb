import { describe, expect, it } from 'vitest';
import { parseAuthority } from './authority.ts';

describe('parseAuthority', () => {
  it('reads every service name form', () => {
    const web = { kind: 'name', name: 'web', namespace: 'demo', port: 80 };
    expect(parseAuthority('web.demo.svc.cluster.local:80')).toEqual(web);
    expect(parseAuthority('web.demo.svc.cluster.local.:80')).toEqual(web);
    expect(parseAuthority('web.demo.svc:80')).toEqual(web);
    expect(parseAuthority('web.demo:80')).toEqual(web);
    expect(parseAuthority('Web.Demo:80')).toEqual(web);
  });

  it('reads addresses', () => {
    expect(parseAuthority('127.20.0.3:8080')).toEqual({ kind: 'address', address: '127.20.0.3', port: 8080 });
  });

  it('refuses what names no service', () => {
    for (const a of [
      'web:80',
      'web.demo',
      'a.b.c:80',
      'web.demo:0',
      'web.demo:70000',
      '300.1.1.1:80',
      'x.y.svc.other.domain:80',
    ]) {
      expect(parseAuthority(a), a).toBeUndefined();
    }
  });
});

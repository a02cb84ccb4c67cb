import { describe, expect, it } from 'vitest';
import { H2_PREFACE, Protocol, sniff } from './protocol.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('sniff', () => {
  it('tells HTTP/1 by its method token', () => {
    expect(sniff(b('GET / HTTP/1.1\r\n'))).toBe(Protocol.Http1);
    expect(sniff(b('CONNECT a:1 HTTP/1.1\r\n'))).toBe(Protocol.Http1);
    expect(sniff(b('GE'))).toBeUndefined();
  });
  it('tells the h2c preface, and waits on a prefix of it', () => {
    expect(sniff(H2_PREFACE)).toBe(Protocol.H2);
    expect(sniff(H2_PREFACE.subarray(0, 10))).toBeUndefined();
    expect(sniff(b('PRI'))).toBeUndefined();
    expect(sniff(b('POST /x HTTP/1.1'))).toBe(Protocol.Http1);
  });
  it('tells a TLS ClientHello', () => {
    expect(sniff(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]))).toBe(Protocol.Tls);
    expect(sniff(Buffer.from([0x16, 0x09, 0x01]))).toBe(Protocol.Opaque);
  });
  it('calls anything else opaque', () => {
    expect(sniff(b('\x00\x01binary'))).toBe(Protocol.Opaque);
    expect(sniff(b('get / HTTP/1.1'))).toBe(Protocol.Opaque);
    expect(sniff(b(' GET'))).toBe(Protocol.Opaque);
    expect(sniff(b('ABCDEFGHIJKLMNOPQRSTU'))).toBe(Protocol.Opaque);
  });
});

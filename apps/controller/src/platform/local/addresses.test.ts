import { describe, expect, it } from 'vitest';
import { AddressPool } from './addresses.ts';

describe('AddressPool', () => {
  it('hands out the lowest free address from the block base', () => {
    const pool = new AddressPool(10, 40);
    expect(pool.allocate()).toBe('127.10.40.1');
    expect(pool.allocate()).toBe('127.10.40.2');
    pool.release('127.10.40.1');
    expect(pool.allocate()).toBe('127.10.40.1');
    expect(pool.allocate()).toBe('127.10.40.3');
  });

  it('crosses into the next third octet after .254', () => {
    const pool = new AddressPool(20, 0);
    for (let i = 0; i < 254; i++) pool.allocate();
    expect(pool.allocate()).toBe('127.20.1.1');
  });

  it('keeps reserved (restored) addresses and refuses foreign or taken ones', () => {
    const pool = new AddressPool(10, 5);
    expect(pool.reserve('127.10.5.1')).toBe(true);
    expect(pool.reserve('127.10.5.1')).toBe(false);
    expect(pool.reserve('127.10.4.1')).toBe(false);
    expect(pool.reserve('127.20.5.2')).toBe(false);
    expect(pool.allocate()).toBe('127.10.5.2');
  });

  it('is deterministic and bounded', () => {
    const a = new AddressPool(10, 252, 4);
    const b = new AddressPool(10, 252, 4);
    expect([a.allocate(), a.allocate()]).toEqual([b.allocate(), b.allocate()]);
    expect(() => new AddressPool(10, 253, 4)).toThrow(/leaves 127\.10\.0\.0\/16/);
    const tiny = new AddressPool(10, 0, 1);
    for (let i = 0; i < 254; i++) tiny.allocate();
    expect(() => tiny.allocate()).toThrow(/no free address/);
  });
});

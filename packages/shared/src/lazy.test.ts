import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lazy } from './lazy.ts';

describe('lazy', () => {
  it('builds the value at its first use, once', () => {
    let built = 0;
    const Point = lazy(() => {
      built++;
      return z.object({ x: z.number(), y: z.number() });
    });
    expect(built).toBe(0);
    expect(Point.parse({ x: 1, y: 2 })).toEqual({ x: 1, y: 2 });
    expect(Point.safeParse({ x: 'a' }).success).toBe(false);
    expect(built).toBe(1);
  });

  it('is a schema like any other: composed, extended, listed and recognised', () => {
    const Name = lazy(() => z.string().min(1));
    const Named = lazy(() => z.object({ name: Name }));
    const Line = z.object({ names: z.array(Named.nullable()), at: Named.extend({ n: z.number() }) });
    expect(Line.parse({ names: [{ name: 'a' }, null], at: { name: 'b', n: 1 } })).toEqual({
      names: [{ name: 'a' }, null],
      at: { name: 'b', n: 1 },
    });
    expect(() => Line.parse({ names: [{ name: '' }], at: { name: 'b', n: 1 } })).toThrow();
    expect(Named instanceof z.ZodObject).toBe(true);
    expect(Object.keys(Named.shape)).toEqual(['name']);
    expect('shape' in Named).toBe(true);
    expect(lazy(() => z.enum(['1m', '5m'])).options).toEqual(['1m', '5m']);
    expect(z.toJSONSchema(Named)).toMatchObject({ type: 'object', required: ['name'] });
  });
});

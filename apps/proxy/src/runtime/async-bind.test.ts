import { AsyncResource, executionAsyncId, executionAsyncResource } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { installLeanAsyncBind } from './async-bind.ts';

describe('installLeanAsyncBind', () => {
  installLeanAsyncBind();

  it('runs the bound function in the resource async scope, with the caller this and arguments', () => {
    const resource = new AsyncResource('Test');
    const seen: unknown[] = [];
    const bound = resource.bind(function (this: unknown, a: number, b: number) {
      seen.push(this, executionAsyncId(), executionAsyncResource(), a + b);
      return 'done';
    });
    const self = { name: 'caller' };
    expect(bound.call(self, 2, 3)).toBe('done');
    expect(seen).toEqual([self, resource.asyncId(), resource, 5]);
    expect((bound as unknown as { asyncResource: AsyncResource }).asyncResource).toBe(resource);
  });

  it('binds thisArg when given, and AsyncResource.bind still works', () => {
    const resource = new AsyncResource('Test');
    const target = { n: 1 };
    // node's types omit bind's second parameter (thisArg), which node:http2 does not use
    const bindWithThis = resource.bind as unknown as (
      fn: (k: number) => number,
      thisArg: unknown,
    ) => (k: number) => number;
    const bound = bindWithThis.call(
      resource,
      function (this: { n: number }, k: number) {
        return this.n + k + (executionAsyncId() === resource.asyncId() ? 100 : 0);
      },
      target,
    );
    expect(bound.call({ n: 50 }, 2)).toBe(103);
    const outer = AsyncResource.bind((x: number) => x * 2);
    expect(outer(4)).toBe(8);
  });

  it('refuses what is not a function', () => {
    const resource = new AsyncResource('Test');
    expect(() => resource.bind(42 as unknown as () => void)).toThrow(TypeError);
  });
});

/**
 * Values built when first used instead of when their module loads. A zod schema costs a
 * few kB of memory once built, and every importer of this package builds all the schemas
 * of each module it loads: the proxy loads modules for a few constants and builds
 * hundreds of schemas it never parses with. A schema only some programs use is declared
 * `lazy(() => z.object(...))`: the same type, used the same way (parse, compose, extend),
 * built at its first use.
 */

/**
 * `build()`'s value, built at the first access to it (a property read, `in`, `instanceof`
 * or listing its keys). The value is an object; what `lazy` returns forwards to it.
 */
export function lazy<T extends object>(build: () => T): T {
  let value: T | undefined;
  const real = (): T => {
    value ??= build();
    return value;
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, v) => Reflect.set(real(), key, v),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      // The proxy's own target does not hold it: reported as configurable, as a proxy must.
      return d && { ...d, configurable: true };
    },
    defineProperty: (_, key, d) => Reflect.defineProperty(real(), key, d),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}

/**
 * A leaner `AsyncResource.prototype.bind` for the proxy's process. node:http2 binds a new
 * AsyncResource for every client stream it opens (`ClientHttp2Session.request`), and on
 * Node 20 each bind also builds two deprecation wrappers (the getter and setter of the
 * bound function's `asyncResource` property, DEP0172), each a new closure whose prototype
 * is set to another new closure: new hidden classes, allocated straight into the old
 * generation, for every request the proxy forwards over HTTP/2. Under load that is about a
 * tenth of the proxy's CPU and much of the garbage its heap grows with.
 *
 * The replacement does what bind does (the bound function runs `fn` in the resource's
 * async scope, with `this` or `thisArg`) and keeps `asyncResource` as a plain property
 * holding the resource, without the wrappers or their warning. Unlike Node's, it leaves
 * the bound function's `length` as it is (0 unless `thisArg` is given): redefining it
 * costs most of what is left of a bind, and node:http2 never reads it.
 * Installed once, when the proxy first loads node:http2 (node-http2.ts).
 */
import { AsyncResource } from 'node:async_hooks';

type Bound = ((...args: unknown[]) => unknown) & { asyncResource?: AsyncResource };

let installed = false;

function leanBind(this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown): Bound {
  if (typeof fn !== 'function') throw new TypeError('The "fn" argument must be of type function');
  const resource = this;
  const bound: Bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : resource.runInAsyncScope.bind(resource, fn, thisArg);
  bound.asyncResource = resource;
  return bound;
}

/** Replaces `AsyncResource.prototype.bind` with the lean one (once). */
export function installLeanAsyncBind(): void {
  if (installed) return;
  installed = true;
  (AsyncResource.prototype as unknown as { bind: typeof leanBind }).bind = leanBind;
}

/**
 * Gateway API RequestRedirect: the `Location` a redirected request is answered with.
 *
 * - scheme: the plan's, else the request's; hostname: the plan's, else the request's Host
 *   without its port.
 * - port: the plan's; else, when the plan sets a scheme, that scheme's well-known port;
 *   else the request's port. The port is left out when it is the scheme's well-known
 *   one (80 for http, 443 for https) or unknown.
 * - path: unchanged (query included); `ReplaceFullPath` replaces the path; and
 *   `ReplacePrefixMatch` replaces the matched prefix element-wise (`/foo` → `/xyz` turns
 *   `/foo/bar` into `/xyz/bar`; a trailing `/` on either is ignored). A query string is
 *   kept. With no matched prefix (the route did not match by PathPrefix, which the
 *   controller rejects), `ReplacePrefixMatch` replaces the whole path.
 *
 * Runs only for redirected requests, so it builds its answer with plain string work.
 */
import type { RedirectPlan } from '@weft/shared';

export function redirectLocation(
  plan: RedirectPlan,
  scheme: string,
  host: string,
  path: string,
  matchedPrefix: string | undefined,
): string {
  const outScheme = plan.scheme ?? scheme;
  const { hostname: reqHostname, port: reqPort } = splitHost(host);
  const hostname = plan.hostname ?? reqHostname;
  const port = plan.port ?? (plan.scheme !== undefined ? undefined : reqPort);
  const showPort =
    port !== undefined && !(outScheme === 'http' && port === 80) && !(outScheme === 'https' && port === 443);
  return `${outScheme}://${hostname}${showPort ? `:${port}` : ''}${redirectPath(plan, path, matchedPrefix)}`;
}

function redirectPath(plan: RedirectPlan, path: string, matchedPrefix: string | undefined): string {
  const mod = plan.path;
  if (mod === undefined) return path;
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  const query = q < 0 ? '' : path.slice(q);
  if (mod.type === 'ReplaceFullPath' || matchedPrefix === undefined) return (mod.value || '/') + query;
  const prefix = trimTrailingSlash(matchedPrefix);
  // The route matched this prefix element-wise, so what follows it is empty or starts with `/`.
  const rest = bare.startsWith(prefix) ? bare.slice(prefix.length) : bare;
  const replacement = rest === '' ? mod.value : trimTrailingSlash(mod.value);
  const out = replacement + rest;
  return (out === '' ? '/' : out) + query;
}

function trimTrailingSlash(p: string): string {
  let end = p.length;
  while (end > 0 && p.charCodeAt(end - 1) === 47) end--;
  return p.slice(0, end);
}

/** `host[:port]`, `[v6][:port]`; a port that is not a number counts as absent. */
function splitHost(host: string): { hostname: string; port: number | undefined } {
  let colon = -1;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close >= 0 && host.charCodeAt(close + 1) === 58) colon = close + 1;
  } else {
    colon = host.lastIndexOf(':');
  }
  if (colon < 0) return { hostname: host, port: undefined };
  const port = Number(host.slice(colon + 1));
  return {
    hostname: host.slice(0, colon),
    port: Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined,
  };
}

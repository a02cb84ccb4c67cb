/**
 * The dashboard server's check on requests that reach the API or change a session: the
 * Host must be one it answers to (an IP address, `localhost`, or a name in
 * `WEFT_WEB_ALLOWED_HOSTS`), so that a DNS-rebinding page cannot use it, and an Origin,
 * when sent, must be the dashboard's own. Answers the reason to refuse, or undefined.
 */
import { isIP } from 'node:net';

/** The host name of a Host header value (`[::1]:3000` → `::1`), lowercase; undefined when malformed. */
export function hostName(host: string): string | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(host);
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? '').toLowerCase();
}

export function refusalFor(headers: Headers, allowed: readonly string[]): string | undefined {
  const host = headers.get('host');
  const name = host === null ? undefined : hostName(host);
  if (host === null || name === undefined) return 'the request has no valid Host header';
  if (name !== 'localhost' && isIP(name) === 0 && !allowed.includes(name))
    return `Host "${host}" is not one this dashboard answers to (add it to WEFT_WEB_ALLOWED_HOSTS)`;
  const origin = headers.get('origin');
  if (origin !== null && origin !== `http://${host}` && origin !== `https://${host}`)
    return `cross-origin requests are refused (Origin "${origin}")`;
  return undefined;
}

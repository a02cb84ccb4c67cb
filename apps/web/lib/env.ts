/**
 * The dashboard server's environment, read and checked in one place. Read at run time
 * (not frozen at build), so one build can point at any controller.
 */
/** Env var: the controller's base URL, e.g. `http://127.0.0.1:7090`. */
export const ENV_CONTROLLER_URL = 'CONTROLLER_URL';
/** Env var: host names the dashboard answers to besides IP addresses and `localhost` (comma-separated). */
export const ENV_WEB_ALLOWED_HOSTS = 'WEFT_WEB_ALLOWED_HOSTS';
/** Env var: `1` enables the benchmark-only routes under `/bench`. */
export const ENV_WEB_BENCH = 'WEFT_WEB_BENCH';

export const DEFAULT_CONTROLLER_URL = 'http://127.0.0.1:7090';

/** The controller's base URL; throws naming the variable when it is malformed. */
export function controllerUrl(): string {
  const raw = process.env[ENV_CONTROLLER_URL];
  if (raw === undefined || raw === '') return DEFAULT_CONTROLLER_URL;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`${ENV_CONTROLLER_URL}=${raw}: must be an http(s) URL such as ${DEFAULT_CONTROLLER_URL}`);
  }
  return raw.replace(/\/+$/, '');
}

/** Whether the benchmark routes are served. */
export function benchEnabled(): boolean {
  return process.env[ENV_WEB_BENCH] === '1';
}

/** Host names accepted besides IP addresses and `localhost`, lowercase. */
export function allowedHosts(): string[] {
  return (process.env[ENV_WEB_ALLOWED_HOSTS] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

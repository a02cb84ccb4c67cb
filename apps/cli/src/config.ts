/**
 * Where the controller is and how to authenticate: `--controller` / `WEFT_CONTROLLER_URL`
 * (default http://127.0.0.1:7090), and the token from `--token`, `WEFT_TOKEN`, or the admin
 * token in the state directory (`WEFT_STATE_DIR`, default `.weft`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors.ts';

export const DEFAULT_CONTROLLER_URL = 'http://127.0.0.1:7090';

export interface GlobalOptions {
  controller?: string;
  token?: string;
  output?: string;
}

export interface Connection {
  /** The controller's base URL, without a trailing slash. */
  url: string;
  /** The bearer token, or undefined (a controller with auth off). */
  token: string | undefined;
}

function controllerUrl(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const raw = given ?? env.WEFT_CONTROLLER_URL ?? DEFAULT_CONTROLLER_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--controller: "${raw}" is not a URL (such as ${DEFAULT_CONTROLLER_URL})`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--controller: "${raw}" must be an http or https URL`, 2);
  return url.toString().replace(/\/+$/, '');
}

function adminToken(env: NodeJS.ProcessEnv): string | undefined {
  const file = join(env.WEFT_STATE_DIR || '.weft', 'auth', 'admin-token');
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The controller and token this invocation uses. */
export function resolveConnection(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  return {
    url: controllerUrl(opts.controller, env),
    token: opts.token || env.WEFT_TOKEN || adminToken(env),
  };
}

/**
 * Whether and how this proxy takes part in identity: it needs the controller's URL, a
 * token (in the environment, or in a file such as a projected service-account token),
 * and its namespace and service account. The trust anchors and the trust domain
 * come from the identity directory the platform gives (`trust-anchor.pem`,
 * `trust-domain`), as Linkerd's proxy gets its anchors out of band.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TRUST_DOMAIN, meshIdentity } from '@weft/shared';
import type { ProxyEnv } from '../env.ts';
import type { IdentityManagerOptions } from './manager.ts';
import { readTokenFile } from './token-file.ts';

/** Files the proxy reads from `WEFT_PROXY_IDENTITY_DIR`. */
export const TRUST_ANCHOR_FILE = 'trust-anchor.pem';
export const TRUST_DOMAIN_FILE = 'trust-domain';

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The identity manager's options from the environment, or a reason why identity is off
 * (the proxy then speaks plaintext only and is ready without a certificate).
 */
export async function identityOptionsFromEnv(
  env: Pick<
    ProxyEnv,
    'controllerUrl' | 'identityToken' | 'identityTokenFile' | 'identityDir' | 'namespace' | 'serviceAccount'
  >,
): Promise<{ options: IdentityManagerOptions } | { disabled: string }> {
  if (!env.identityToken && !env.identityTokenFile)
    return { disabled: 'no WEFT_PROXY_IDENTITY_TOKEN or WEFT_PROXY_IDENTITY_TOKEN_FILE' };
  if (!env.controllerUrl) return { disabled: 'no WEFT_PROXY_CONTROLLER_URL' };
  if (!env.namespace || !env.serviceAccount)
    return { disabled: 'WEFT_PROXY_NAMESPACE and WEFT_PROXY_SERVICE_ACCOUNT must name the workload' };
  let trustAnchorsPem: string | undefined;
  let trustAnchorsFile: string | undefined;
  let trustDomain = DEFAULT_TRUST_DOMAIN;
  if (env.identityDir) {
    trustAnchorsFile = join(env.identityDir, TRUST_ANCHOR_FILE);
    trustAnchorsPem = await readOptional(trustAnchorsFile);
    trustDomain = (await readOptional(join(env.identityDir, TRUST_DOMAIN_FILE)))?.trim() || trustDomain;
  }
  return {
    options: {
      controllerUrl: env.controllerUrl,
      // The start-up value; the caller's token source keeps a token file's current.
      token: env.identityTokenFile
        ? await readTokenFile(env.identityTokenFile)
        : (env.identityToken as string),
      identity: meshIdentity(env.serviceAccount, env.namespace, trustDomain),
      ...(trustAnchorsPem ? { trustAnchorsPem } : {}),
      ...(trustAnchorsFile ? { trustAnchorsFile } : {}),
    },
  };
}

/**
 * The controller's identity module: the mesh CA, workload tokens, and the service that
 * certifies proxies. `createIdentity` wires them from the state directory and settings.
 */
import type { Registry } from 'prom-client';
import { issuedFile } from './issued-file.ts';
import { type IdentityLogger, IdentityService } from './service.ts';
import { loadOrCreateCa, loadOrCreateTokens, type SuppliedCaFiles } from './store.ts';
import type { HmacTokens, TokenValidator } from './token.ts';

export { type CaMaterial, checkCaMaterial, generateCa, signWorkloadCertificate } from './ca.ts';
export { type CheckedCsr, checkCsr } from './csr.ts';
export { parseDuration } from './duration.ts';
export { type IdentityLogger, IdentityService } from './service.ts';
export {
  identityDir,
  loadOrCreateCa,
  loadOrCreateTokens,
  type SuppliedCaFiles,
  TRUST_ANCHOR_FILE,
  TRUST_DOMAIN_FILE,
} from './store.ts';
export { HmacTokens, type TokenIdentity, type TokenIssuer, type TokenValidator } from './token.ts';

/** Default lifetime of workload certificates: 24 hours. */
export const DEFAULT_CERT_LIFETIME_MS = 24 * 3600 * 1000;

export interface CreateIdentityOptions {
  stateDir: string;
  trustDomain: string;
  certLifetimeMs?: number;
  supplied?: SuppliedCaFiles;
  /** Replaces the local HMAC validator (for example a Kubernetes TokenReview one). */
  validator?: TokenValidator;
  registry?: Registry;
  log?: IdentityLogger;
}

/** What the controller holds: the service, and the token issuer the local platform uses. */
export interface Identity {
  service: IdentityService;
  /** Mints `WEFT_PROXY_IDENTITY_TOKEN` values for the local platform's proxies. */
  tokens: HmacTokens;
  /** Directory holding `trust-anchor.pem`: `WEFT_PROXY_IDENTITY_DIR` for proxies. */
  identityDir: string;
  trustDomain: string;
}

/** Loads or generates the CA and the token secret, and builds the identity service. */
export async function createIdentity(opts: CreateIdentityOptions): Promise<Identity> {
  const ca = await loadOrCreateCa({
    stateDir: opts.stateDir,
    trustDomain: opts.trustDomain,
    ...(opts.supplied ? { supplied: opts.supplied } : {}),
  });
  const tokens = await loadOrCreateTokens(opts.stateDir);
  const service = new IdentityService({
    ca,
    validator: opts.validator ?? tokens,
    trustDomain: opts.trustDomain,
    certLifetimeMs: opts.certLifetimeMs ?? DEFAULT_CERT_LIFETIME_MS,
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    records: issuedFile(ca.identityDir, (m) => opts.log?.('warn', m)),
  });
  return { service, tokens, identityDir: ca.identityDir, trustDomain: opts.trustDomain };
}

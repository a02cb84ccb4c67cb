/**
 * The controller's identity module: the mesh CA, workload tokens, and the service that
 * certifies proxies. `createIdentity` wires them from the state directory and settings.
 */
import type { Registry } from 'prom-client';
import { issuedFile } from './issued-file.ts';
import { LiveWorkloadTokens, type PodExists } from './live-tokens.ts';
import { RotationMachine } from './rotation.ts';
import { FileRotationStore } from './rotation-store.ts';
import { type IdentityLogger, IdentityService } from './service.ts';
import { loadOrCreateCa, loadOrCreateTokens, type SuppliedCaFiles } from './store.ts';
import type { HmacTokens, TokenValidator } from './token.ts';

export { Authority } from './authority.ts';
export { type CaMaterial, checkCaMaterial, generateCa, signWorkloadCertificate } from './ca.ts';
export { type CheckedCsr, checkCsr } from './csr.ts';
export { parseDuration } from './duration.ts';
export { LiveWorkloadTokens, type PodExists } from './live-tokens.ts';
export { RotationMachine } from './rotation.ts';
export { FileRotationStore, type RotationStore } from './rotation-store.ts';
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
  /** Lifetime of workload tokens (24 h by default). */
  tokenTtlMs?: number;
  /** When given, a token naming a pod that no longer exists is refused. */
  podExists?: PodExists;
  /** Whether a pod runs a proxy now: a rotation waits only for those (default: `podExists`). */
  proxyRunning?: PodExists;
  supplied?: SuppliedCaFiles;
  /** Replaces the local HMAC validator (for example a Kubernetes TokenReview one). */
  validator?: TokenValidator;
  registry?: Registry;
  log?: IdentityLogger;
}

/** What the controller holds: the service, and the token issuer the local platform uses. */
export interface Identity {
  service: IdentityService;
  /** The guided rotation of the issuer or the trust anchor. */
  rotation: RotationMachine;
  /** Mints `WEFT_PROXY_IDENTITY_TOKEN` values for the local platform's proxies. */
  tokens: HmacTokens;
  /** Workload tokens checked for signature, expiry and a live pod: what the API accepts. */
  validator: TokenValidator;
  /** Directory holding `trust-anchor.pem`: `WEFT_PROXY_IDENTITY_DIR` for proxies. */
  identityDir: string;
  trustDomain: string;
}

/** Loads or generates the CA and the token secret, and builds the identity service. */
export async function createIdentity(opts: CreateIdentityOptions): Promise<Identity> {
  const rotationStore = new FileRotationStore(opts.stateDir);
  // A rotation that crashed while finishing is finished before the CA files are read.
  if (!opts.supplied) await rotationStore.load();
  const ca = await loadOrCreateCa({
    stateDir: opts.stateDir,
    trustDomain: opts.trustDomain,
    ...(opts.supplied ? { supplied: opts.supplied } : {}),
  });
  const tokens = await loadOrCreateTokens(
    opts.stateDir,
    opts.tokenTtlMs === undefined ? {} : { ttlMs: opts.tokenTtlMs },
  );
  const validator =
    opts.validator ?? (opts.podExists ? new LiveWorkloadTokens(tokens, opts.podExists) : tokens);
  const service = new IdentityService({
    ca,
    validator,
    trustDomain: opts.trustDomain,
    certLifetimeMs: opts.certLifetimeMs ?? DEFAULT_CERT_LIFETIME_MS,
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.log ? { log: opts.log } : {}),
    records: issuedFile(ca.identityDir, (m) => opts.log?.('warn', m)),
  });
  const rotation = new RotationMachine({
    authority: service.authority,
    store: rotationStore,
    trustDomain: opts.trustDomain,
    proxies: () =>
      service.certificates().filter((c) => {
        const running = opts.proxyRunning ?? opts.podExists;
        return !running || (c.pod !== null && running(c.namespace, c.pod));
      }),
    ...(opts.supplied
      ? {
          unavailable:
            'the CA comes from files given at start (WEFT_IDENTITY_TRUST_ANCHOR_FILE and the issuer files); rotate it by replacing those files and restarting',
        }
      : {}),
    log: (m) => opts.log?.('info', m),
  });
  await rotation.resume();
  return { service, rotation, tokens, validator, identityDir: ca.identityDir, trustDomain: opts.trustDomain };
}

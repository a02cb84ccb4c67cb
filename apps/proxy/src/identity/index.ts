/** The proxy's identity: key, CSR, certificate from the controller, renewal, metrics. */
export { requestCertificate } from './certify-client.ts';
export { identityOptionsFromEnv, TRUST_ANCHOR_FILE, TRUST_DOMAIN_FILE } from './config.ts';
export {
  type Credentials,
  type IdentityLog,
  IdentityManager,
  type IdentityManagerOptions,
} from './manager.ts';
export { IdentityMetrics } from './metrics.ts';

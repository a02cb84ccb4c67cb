/**
 * Names and identities: the Kubernetes naming rules every resource follows, and the
 * mesh identity string a workload's proxy carries in its certificate.
 */
import { z } from 'zod';

/** A DNS-1123 label: what Kubernetes accepts as a namespace or object name (max 63 chars). */
export const DnsLabel = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'must be lowercase letters, digits and "-", starting and ending with a letter or digit',
  );

/** A namespace name. */
export const NamespaceName = DnsLabel;

/** A workload, pod or service name. */
export const ObjectName = DnsLabel;

/** The default trust domain, as in Linkerd's `cluster.local`. */
export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

/**
 * The identity a meshed workload's proxy presents:
 * `<serviceaccount>.<namespace>.serviceaccount.identity.weft.<trust-domain>`.
 */
export function meshIdentity(serviceAccount: string, namespace: string, trustDomain = DEFAULT_TRUST_DOMAIN) {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.weft.${trustDomain}`;
}

/** The inverse of {@link meshIdentity}; undefined when the string is not a Weft identity. */
export function parseMeshIdentity(
  identity: string,
): { serviceAccount: string; namespace: string; trustDomain: string } | undefined {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.serviceaccount\.identity\.weft\.(.+)$/.exec(identity);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { serviceAccount: m[1], namespace: m[2], trustDomain: m[3] };
}

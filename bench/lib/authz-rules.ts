/**
 * The authorization rules the authorization benches give a port: the i-th of many, cycling
 * through exact identities, namespace wildcards and CIDRs with `except`, none of which
 * lets the bench's own caller in.
 */

/** Rule `i` of a bench port's inbound policy. */
export function authzRule(i: number) {
  const base = { kind: 'AuthorizationPolicy', namespace: 'bench', name: `p${i}` };
  switch (i % 3) {
    case 0:
      return {
        ...base,
        identities: [`sa${i}.bench.serviceaccount.identity.weft.cluster.local`],
        networks: null,
      };
    case 1:
      return { ...base, identities: [`*.ns${i}.serviceaccount.identity.weft.cluster.local`], networks: null };
    default:
      return {
        ...base,
        identities: null,
        networks: [{ cidr: `10.${i}.0.0/16`, except: [`10.${i}.9.0/24`] }],
      };
  }
}

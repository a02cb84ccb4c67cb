/**
 * Checks the authorization documents against each other and the platform: a Server
 * whose selector picks no workload or whose named port no Service has, two Servers
 * claiming one workload port, an AuthorizationPolicy whose target (a Server, a route
 * attached to a Server, a Namespace) or authentications do not exist, malformed identities and CIDRs, and default-inbound-policy annotations.
 */
import { isIP } from 'node:net';
import {
  type AuthorizationPolicy,
  describePolicyRef,
  type MeshTLSAuthentication,
  type NetworkAuthentication,
  type PolicyDocument,
  type PolicyIssue,
  readDefaultInboundPolicy,
  type Server,
  type Service,
  selectorMatches,
  type Workload,
} from '@weft/shared';
import { isServerParent } from './attach.ts';
import { findDocument, serverPort } from './compile-authz.ts';
import { reporter } from './validate-route.ts';

/** The reason a CIDR is malformed, or undefined. */
export function cidrError(cidr: string): string | undefined {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `"${cidr}" is not a CIDR: "${address}" is not an IP address`;
  if (slash < 0) return undefined;
  const bits = cidr.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max)
    return `"${cidr}" is not a CIDR: the prefix length must be 0 to ${max}`;
  return undefined;
}

function validateServers(
  documents: readonly PolicyDocument[],
  services: readonly Service[],
  workloads: readonly Workload[],
  out: PolicyIssue[],
): void {
  const claimed = new Map<string, Server>();
  for (const doc of documents) {
    if (doc.kind !== 'Server') continue;
    const report = reporter(doc, out);
    const picked = workloads.filter(
      (w) => w.namespace === doc.metadata.namespace && selectorMatches(doc.spec.podSelector, w.labels),
    );
    if (picked.length === 0) {
      report(
        'spec.podSelector',
        'ResolvedRefs',
        'NoMatchingPods',
        `selects no workload in namespace ${doc.metadata.namespace}`,
      );
      continue;
    }
    for (const w of picked) {
      const port = serverPort(doc, w, services);
      if (port === undefined) {
        report(
          'spec.port',
          'ResolvedRefs',
          'PortNotFound',
          `no Service in ${w.namespace} that selects workload ${w.name} has a port named "${doc.spec.port}"`,
        );
        break;
      }
      const key = `${w.namespace}/${w.name}:${port}`;
      const other = claimed.get(key);
      if (other) {
        report(
          'spec.port',
          'Accepted',
          'Conflicted',
          `port ${port} of workload ${key.split(':')[0]} is already claimed by ${describePolicyRef({ kind: 'Server', ...other.metadata })}`,
        );
        break;
      }
      claimed.set(key, doc);
    }
  }
}

const AUTHN_KINDS = ['MeshTLSAuthentication', 'NetworkAuthentication', 'ServiceAccount'];

function validateAuthorizationPolicy(
  doc: AuthorizationPolicy,
  documents: readonly PolicyDocument[],
  namespaces: ReadonlySet<string>,
  out: PolicyIssue[],
): void {
  const report = reporter(doc, out);
  const t = doc.spec.targetRef;
  const ns = t.namespace ?? doc.metadata.namespace;
  if (t.kind === 'Server') {
    if (!findDocument(documents, 'Server', ns, t.name))
      report(
        'spec.targetRef.name',
        'ResolvedRefs',
        'TargetNotFound',
        `Server ${ns}/${t.name} does not exist`,
      );
  } else if (t.kind === 'Namespace') {
    if (!namespaces.has(t.name))
      report('spec.targetRef.name', 'ResolvedRefs', 'TargetNotFound', `Namespace ${t.name} does not exist`);
  } else if (t.kind === 'HTTPRoute' || t.kind === 'GRPCRoute') {
    const route = findDocument(documents, t.kind, ns, t.name);
    if (!route)
      report(
        'spec.targetRef.name',
        'ResolvedRefs',
        'TargetNotFound',
        `${t.kind} ${ns}/${t.name} does not exist`,
      );
    else if (!route.spec.parentRefs.some(isServerParent))
      report(
        'spec.targetRef.name',
        'Accepted',
        'InvalidKind',
        `${t.kind} ${ns}/${t.name} is not attached to a Server; per-route authorization needs a route whose parentRefs name a Server`,
      );
  } else {
    report(
      'spec.targetRef.kind',
      'Accepted',
      'InvalidKind',
      `"${t.kind}" cannot be authorized; target a Server, an HTTPRoute or GRPCRoute attached to a Server, or a Namespace`,
    );
  }
  doc.spec.requiredAuthenticationRefs.forEach((ref, i) => {
    const path = `spec.requiredAuthenticationRefs[${i}]`;
    const rns = ref.namespace ?? doc.metadata.namespace;
    if (!AUTHN_KINDS.includes(ref.kind)) {
      report(
        `${path}.kind`,
        'Accepted',
        'InvalidKind',
        `"${ref.kind}" is not an authentication; use one of ${AUTHN_KINDS.join(', ')}`,
      );
      return;
    }
    if (ref.kind === 'ServiceAccount') return;
    const kind = ref.kind as 'MeshTLSAuthentication' | 'NetworkAuthentication';
    if (!findDocument(documents, kind, rns, ref.name))
      report(
        `${path}.name`,
        'ResolvedRefs',
        'AuthenticationNotFound',
        `${kind} ${rns}/${ref.name} does not exist`,
      );
  });
}

function validateMeshTLS(doc: MeshTLSAuthentication, out: PolicyIssue[]): void {
  const report = reporter(doc, out);
  (doc.spec.identities ?? []).forEach((id, i) => {
    if (id === '*') return;
    const rest = id.startsWith('*.') ? id.slice(2) : id;
    if (rest.includes('*') || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(rest))
      report(
        `spec.identities[${i}]`,
        'Accepted',
        'UnsupportedValue',
        `"${id}" is not an identity: use a DNS name, "*", or "*." followed by a DNS name`,
      );
  });
  (doc.spec.identityRefs ?? []).forEach((ref, i) => {
    if (ref.kind !== 'ServiceAccount' && ref.kind !== 'Namespace')
      report(
        `spec.identityRefs[${i}].kind`,
        'Accepted',
        'InvalidKind',
        `"${ref.kind}" cannot name identities; use ServiceAccount or Namespace`,
      );
  });
}

function validateNetworks(doc: NetworkAuthentication, out: PolicyIssue[]): void {
  const report = reporter(doc, out);
  doc.spec.networks.forEach((n, i) => {
    const bad = cidrError(n.cidr);
    if (bad) report(`spec.networks[${i}].cidr`, 'Accepted', 'UnsupportedValue', bad);
    (n.except ?? []).forEach((e, j) => {
      const badExcept = cidrError(e);
      if (badExcept) report(`spec.networks[${i}].except[${j}]`, 'Accepted', 'UnsupportedValue', badExcept);
    });
  });
}

function validateDefaultAnnotations(
  doc: PolicyDocument,
  workloads: readonly Workload[],
  namespaces: ReadonlySet<string>,
  out: PolicyIssue[],
): void {
  const report = reporter(doc, out);
  if (doc.kind === 'Namespace' && !namespaces.has(doc.metadata.name))
    report(
      'metadata.name',
      'ResolvedRefs',
      'TargetNotFound',
      `Namespace ${doc.metadata.name} does not exist`,
    );
  if (
    doc.kind === 'Deployment' &&
    !workloads.some((w) => w.namespace === doc.metadata.namespace && w.name === doc.metadata.name)
  )
    report(
      'metadata.name',
      'ResolvedRefs',
      'TargetNotFound',
      `Deployment ${doc.metadata.namespace}/${doc.metadata.name} does not exist on the platform`,
    );
  const value = readDefaultInboundPolicy(doc.metadata.annotations);
  if (typeof value === 'object')
    report(`metadata.annotations["${value.key}"]`, 'Accepted', 'UnsupportedValue', value.error);
}

export function validateAuthorization(
  documents: readonly PolicyDocument[],
  services: readonly Service[],
  workloads: readonly Workload[],
  out: PolicyIssue[],
): void {
  const namespaces = new Set([...workloads.map((w) => w.namespace), ...services.map((s) => s.namespace)]);
  validateServers(documents, services, workloads, out);
  for (const doc of documents) {
    if (doc.kind === 'AuthorizationPolicy') validateAuthorizationPolicy(doc, documents, namespaces, out);
    else if (doc.kind === 'MeshTLSAuthentication') validateMeshTLS(doc, out);
    else if (doc.kind === 'NetworkAuthentication') validateNetworks(doc, out);
    else if (doc.kind === 'Namespace' || doc.kind === 'Deployment')
      validateDefaultAnnotations(doc, workloads, namespaces, out);
  }
}

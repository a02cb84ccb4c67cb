/**
 * Checks the documents that attach to others: `HTTPFault` (its route exists, one fault
 * per route), `HTTPLocalRateLimitPolicy` (its Service and port exist, it sets a limit,
 * one per Service port) and `Service` annotation overlays (the Service exists, the
 * annotation values are valid).
 */
import {
  apiGroup,
  describePolicyRef,
  type HTTPFault,
  type HTTPLocalRateLimitPolicy,
  type PolicyDocument,
  type PolicyIssue,
  type ServiceAnnotations,
} from '@weft/shared';
import { readPolicyAnnotations } from './annotations.ts';
import { isRoute, type RouteDocument, type ServiceIndex } from './attach.ts';
import { reporter } from './validate-route.ts';

/** The route an HTTPFault targets, if it exists. */
export function faultTarget(
  fault: HTTPFault,
  documents: readonly PolicyDocument[],
): RouteDocument | undefined {
  const t = fault.spec.targetRef;
  const ns = t.namespace ?? fault.metadata.namespace;
  const candidates = documents.filter(
    (d): d is RouteDocument =>
      isRoute(d) &&
      d.kind === t.kind &&
      d.metadata.namespace === ns &&
      d.metadata.name === t.name &&
      (t.group === undefined || apiGroup(d.apiVersion) === t.group),
  );
  return candidates[0];
}

function validateFaults(documents: readonly PolicyDocument[], out: PolicyIssue[]): void {
  const claimed = new Map<RouteDocument, HTTPFault>();
  for (const doc of documents) {
    if (doc.kind !== 'HTTPFault') continue;
    const report = reporter(doc, out);
    const t = doc.spec.targetRef;
    if (t.kind !== 'HTTPRoute' && t.kind !== 'GRPCRoute') {
      report(
        'spec.targetRef.kind',
        'Accepted',
        'InvalidKind',
        `"${t.kind}" cannot carry a fault; target an HTTPRoute or a GRPCRoute`,
      );
      continue;
    }
    const route = faultTarget(doc, documents);
    if (!route) {
      report(
        'spec.targetRef.name',
        'ResolvedRefs',
        'TargetNotFound',
        `${t.kind} ${t.namespace ?? doc.metadata.namespace}/${t.name} does not exist`,
      );
      continue;
    }
    const other = claimed.get(route);
    if (other) {
      report(
        'spec.targetRef',
        'Accepted',
        'Conflicted',
        `${describePolicyRef({ kind: route.kind, ...route.metadata })} already has ${describePolicyRef({ kind: 'HTTPFault', ...other.metadata })}`,
      );
      continue;
    }
    claimed.set(route, doc);
  }
}

/** The Service ports a rate limit applies to (`targetRef.port`, or all of them), or an issue. */
export function rateLimitPorts(policy: HTTPLocalRateLimitPolicy, services: ServiceIndex): number[] {
  const t = policy.spec.targetRef;
  const svc = services.get(t.namespace ?? policy.metadata.namespace, t.name);
  if (!svc) return [];
  return svc.ports.filter((p) => t.port === undefined || p.port === t.port).map((p) => p.port);
}

function validateRateLimits(
  documents: readonly PolicyDocument[],
  services: ServiceIndex,
  out: PolicyIssue[],
): void {
  const claimed = new Map<string, HTTPLocalRateLimitPolicy>();
  for (const doc of documents) {
    if (doc.kind !== 'HTTPLocalRateLimitPolicy') continue;
    const report = reporter(doc, out);
    const t = doc.spec.targetRef;
    const s = doc.spec;
    if (!s.total && !s.identity && !s.overrides?.length)
      report('spec', 'Accepted', 'UnsupportedValue', 'sets no limit; give total, identity or overrides');
    if (s.total && s.identity && s.identity.requestsPerSecond > s.total.requestsPerSecond)
      report(
        'spec.identity.requestsPerSecond',
        'Accepted',
        'UnsupportedValue',
        `must not exceed total.requestsPerSecond (${s.total.requestsPerSecond})`,
      );
    if (t.kind === 'Server') {
      report(
        'spec.targetRef.kind',
        'ResolvedRefs',
        'TargetNotFound',
        'Server documents are not supported yet; target a Service (kind: Service) for now',
      );
      continue;
    }
    if (t.kind !== 'Service') {
      report(
        'spec.targetRef.kind',
        'Accepted',
        'InvalidKind',
        `"${t.kind}" cannot carry a rate limit; target a Service or a Server`,
      );
      continue;
    }
    const ns = t.namespace ?? doc.metadata.namespace;
    const svc = services.get(ns, t.name);
    if (!svc) {
      report(
        'spec.targetRef.name',
        'ResolvedRefs',
        'TargetNotFound',
        `Service ${ns}/${t.name} does not exist`,
      );
      continue;
    }
    if (t.port !== undefined && !svc.ports.some((p) => p.port === t.port)) {
      report(
        'spec.targetRef.port',
        'ResolvedRefs',
        'TargetNotFound',
        `Service ${ns}/${t.name} has no port ${t.port} (it has ${svc.ports.map((p) => p.port).join(', ')})`,
      );
      continue;
    }
    for (const port of rateLimitPorts(doc, services)) {
      const key = `${ns}/${t.name}:${port}`;
      const other = claimed.get(key);
      if (other) {
        report(
          'spec.targetRef',
          'Accepted',
          'Conflicted',
          `Service ${key} already has ${describePolicyRef({ kind: other.kind, ...other.metadata })}`,
        );
        break;
      }
      claimed.set(key, doc);
    }
  }
}

function validateServiceAnnotations(
  doc: ServiceAnnotations,
  services: ServiceIndex,
  out: PolicyIssue[],
): void {
  const report = reporter(doc, out);
  if (!services.get(doc.metadata.namespace, doc.metadata.name)) {
    report(
      'metadata.name',
      'ResolvedRefs',
      'TargetNotFound',
      `Service ${doc.metadata.namespace}/${doc.metadata.name} does not exist on the platform`,
    );
    return;
  }
  for (const p of readPolicyAnnotations(doc.metadata.annotations, 'service').problems)
    report(p.path, 'Accepted', 'UnsupportedValue', p.message);
}

export function validateAttachedPolicies(
  documents: readonly PolicyDocument[],
  services: ServiceIndex,
  out: PolicyIssue[],
): void {
  validateFaults(documents, out);
  validateRateLimits(documents, services, out);
  for (const doc of documents) if (doc.kind === 'Service') validateServiceAnnotations(doc, services, out);
}

/**
 * Checks one HTTPRoute or GRPCRoute on its own and against the Services: parents (a
 * Service port, or a Server for per-route authorization) and backends that exist (with
 * their ports), filters we apply, regexes that compile, prefixes and paths that start
 * with "/", not every weight 0, timeouts that fit, and annotation values.
 */
import {
  type BackendRef,
  type HTTPRouteFilter,
  type PolicyDocument,
  type PolicyIssue,
  parsePolicyDuration,
  policyRefOf,
} from '@weft/shared';
import { readPolicyAnnotations } from './annotations.ts';
import {
  isServerParent,
  isServiceKind,
  parentSelects,
  type RouteDocument,
  type ServiceIndex,
} from './attach.ts';

type Report = (path: string, condition: PolicyIssue['condition'], reason: string, message: string) => void;

/** A function that records issues against one document. */
export function reporter(doc: Parameters<typeof policyRefOf>[0], out: PolicyIssue[]): Report {
  const ref = policyRefOf(doc);
  return (path, condition, reason, message) => out.push({ ref, path, condition, reason, message });
}

/** The error message of a regex that does not compile, or undefined. */
export function regexError(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return `regular expression ${JSON.stringify(source)} does not compile: ${(err as Error).message}`;
  }
}

const ROUTE_FILTERS = {
  RequestHeaderModifier: 'requestHeaderModifier',
  ResponseHeaderModifier: 'responseHeaderModifier',
  RequestRedirect: 'requestRedirect',
} as const;

function checkFilters(
  filters: readonly HTTPRouteFilter[] | undefined,
  path: string,
  allowed: readonly (keyof typeof ROUTE_FILTERS)[],
  report: Report,
): void {
  filters?.forEach((f, i) => {
    const at = `${path}[${i}]`;
    if (!(allowed as readonly string[]).includes(f.type)) {
      report(
        `${at}.type`,
        'Accepted',
        'UnsupportedValue',
        `filter "${f.type}" is not supported here; use ${allowed.join(', ')}`,
      );
      return;
    }
    const field = ROUTE_FILTERS[f.type as keyof typeof ROUTE_FILTERS];
    if (f[field] === undefined)
      report(`${at}.${field}`, 'Accepted', 'UnsupportedValue', `a ${f.type} filter needs ${field}`);
  });
}

function checkBackend(
  route: RouteDocument,
  backend: BackendRef,
  defaultPort: number | undefined,
  at: string,
  services: ServiceIndex,
  report: Report,
): void {
  if (!isServiceKind(backend, 'Service')) {
    report(
      `${at}.kind`,
      'ResolvedRefs',
      'InvalidKind',
      `backendRef kind "${backend.kind}" is not supported; use kind: Service`,
    );
    return;
  }
  const ns = backend.namespace ?? route.metadata.namespace;
  const svc = services.get(ns, backend.name);
  if (!svc) {
    report(`${at}.name`, 'ResolvedRefs', 'BackendNotFound', `Service ${ns}/${backend.name} does not exist`);
    return;
  }
  const port = backend.port ?? defaultPort;
  if (port === undefined) {
    report(
      `${at}.port`,
      'ResolvedRefs',
      'BackendNotFound',
      `a port is needed: Service ${ns}/${backend.name} has ports ${svc.ports.map((p) => p.port).join(', ')}`,
    );
    return;
  }
  if (!svc.ports.some((p) => p.port === port))
    report(
      `${at}.port`,
      'ResolvedRefs',
      'BackendNotFound',
      `Service ${ns}/${backend.name} has no port ${port} (it has ${svc.ports.map((p) => p.port).join(', ')})`,
    );
  checkFilters(backend.filters, `${at}.filters`, ['RequestHeaderModifier'], report);
}

function checkValueRegexes(
  values: readonly { type: string; value: string }[] | undefined,
  path: string,
  report: Report,
): void {
  values?.forEach((v, i) => {
    const err = v.type === 'RegularExpression' ? regexError(v.value) : undefined;
    if (err) report(`${path}[${i}].value`, 'Accepted', 'UnsupportedValue', err);
  });
}

/** Issues of one route (not counting shadowing, which needs every route). */
export function validateRoute(
  route: RouteDocument,
  services: ServiceIndex,
  out: PolicyIssue[],
  documents: readonly PolicyDocument[] = [],
): void {
  const report = reporter(route, out);
  const parentPorts: (number | undefined)[] = [];
  route.spec.parentRefs.forEach((parent, i) => {
    const at = `spec.parentRefs[${i}]`;
    if (isServerParent(parent)) {
      // Per-route authorization: the route names requests on a Server's port.
      const ns = parent.namespace ?? route.metadata.namespace;
      if (
        !documents.some(
          (d) => d.kind === 'Server' && d.metadata.namespace === ns && d.metadata.name === parent.name,
        )
      )
        report(`${at}.name`, 'Accepted', 'NoMatchingParent', `Server ${ns}/${parent.name} does not exist`);
      return;
    }
    if (!isServiceKind(parent, 'Gateway')) {
      report(
        `${at}.kind`,
        'Accepted',
        'NoMatchingParent',
        `parent kind "${parent.kind ?? 'Gateway'}" is not supported; attach to a Service with kind: Service (GAMMA), or to a Server (group policy.weft.dev or policy.linkerd.io) for per-route authorization`,
      );
      return;
    }
    const ns = parent.namespace ?? route.metadata.namespace;
    const svc = services.get(ns, parent.name);
    if (!svc) {
      report(`${at}.name`, 'Accepted', 'NoMatchingParent', `Service ${ns}/${parent.name} does not exist`);
      return;
    }
    const selected = svc.ports.filter((p) => parentSelects(parent, p));
    if (selected.length === 0) {
      const field = parent.port !== undefined ? 'port' : 'sectionName';
      const asked = parent.port !== undefined ? `port ${parent.port}` : `port named "${parent.sectionName}"`;
      const has = svc.ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ');
      report(
        `${at}.${field}`,
        'Accepted',
        'NoMatchingParent',
        `Service ${ns}/${parent.name} has no ${asked} (it has ${has})`,
      );
      return;
    }
    parentPorts.push(selected.length === 1 ? selected[0]?.port : undefined);
  });
  // A backendRef without a port takes the parent's port when the route has exactly one.
  const defaultPort = new Set(parentPorts).size === 1 ? parentPorts[0] : undefined;

  const filtersAllowed =
    route.kind === 'HTTPRoute'
      ? (['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect'] as const)
      : (['RequestHeaderModifier', 'ResponseHeaderModifier'] as const);
  route.spec.rules?.forEach((rule, r) => {
    const at = `spec.rules[${r}]`;
    rule.matches?.forEach((m, i) => {
      const mat = `${at}.matches[${i}]`;
      if ('path' in m && m.path) {
        if (m.path.type === 'RegularExpression') {
          const err = regexError(m.path.value);
          if (err) report(`${mat}.path.value`, 'Accepted', 'UnsupportedValue', err);
        } else if (!m.path.value.startsWith('/'))
          report(
            `${mat}.path.value`,
            'Accepted',
            'UnsupportedValue',
            `"${m.path.value}" must start with "/"`,
          );
      }
      if (
        'method' in m &&
        m.method &&
        typeof m.method === 'object' &&
        m.method.type === 'RegularExpression'
      ) {
        for (const part of ['service', 'method'] as const) {
          const v = m.method[part];
          const err = v === undefined ? undefined : regexError(v);
          if (err) report(`${mat}.method.${part}`, 'Accepted', 'UnsupportedValue', err);
        }
      }
      checkValueRegexes(m.headers, `${mat}.headers`, report);
      if ('queryParams' in m) checkValueRegexes(m.queryParams, `${mat}.queryParams`, report);
    });
    checkFilters(rule.filters, `${at}.filters`, filtersAllowed, report);
    const backends = rule.backendRefs ?? [];
    backends.forEach((b, i) => {
      checkBackend(route, b, defaultPort, `${at}.backendRefs[${i}]`, services, report);
    });
    if (backends.length > 0 && backends.every((b) => b.weight === 0))
      report(
        `${at}.backendRefs`,
        'Accepted',
        'UnsupportedValue',
        'every backendRef has weight 0, so no request could be sent anywhere',
      );
    if ('timeouts' in rule && rule.timeouts) {
      const request = rule.timeouts.request ? parsePolicyDuration(rule.timeouts.request) : undefined;
      const backend = rule.timeouts.backendRequest
        ? parsePolicyDuration(rule.timeouts.backendRequest)
        : undefined;
      if (request && backend && backend > request)
        report(
          `${at}.timeouts.backendRequest`,
          'Accepted',
          'UnsupportedValue',
          `must not be longer than timeouts.request (${rule.timeouts.request})`,
        );
    }
  });
  for (const p of readPolicyAnnotations(route.metadata.annotations, 'route').problems)
    report(p.path, 'Accepted', 'UnsupportedValue', p.message);
}

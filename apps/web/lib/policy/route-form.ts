/**
 * The editor's one document, seen two ways: YAML text (an `HTTPRoute` attached to the
 * Service, and the `Service` document whose annotations set retries) and a form over
 * the fields people change most (the first rule's backends and weights, its path
 * match and request timeout, the retry annotations). The text is the truth: the form
 * is read from it, and a form change is written back into it, touching only the
 * fields that changed so the rest of the YAML (comments, order, style) stays as it was.
 */
import { type HTTPRoute, policyAnnotationKey, type Service } from '@weft/shared';
import { type Document, isMap, isSeq, parseAllDocuments, stringify } from 'yaml';
import { annotationValue, type ServicePolicies } from './service-policies.ts';

export interface BackendField {
  name: string;
  port: number | undefined;
  weight: number;
}

export interface PathMatchField {
  type: 'PathPrefix' | 'Exact' | 'RegularExpression';
  value: string;
}

export interface RouteForm {
  backends: BackendField[];
  /** The first match's path, or null for every path. */
  pathMatch: PathMatchField | null;
  /** The rule's `timeouts.request`, '' for none. */
  timeout: string;
  /** `retry.weft.dev/http` (`5xx`, `gateway-error`, ...), '' for no retries. */
  retryOn: string;
  retryLimit: string;
  retryTimeout: string;
}

/** What the editor works on: the Service, and the route the form edits. */
export interface EditTarget {
  namespace: string;
  service: string;
  route: string;
}

const RULE = ['spec', 'rules', 0] as const;
const RETRY_KEYS = { retryOn: 'http', retryLimit: 'limit', retryTimeout: 'timeout' } as const;

/** The route the editor starts from: the Service's first HTTPRoute, or a new one sending all traffic to it. */
export function editTarget(service: Service, policies: ServicePolicies): EditTarget {
  const route = policies.routes.find((r) => r.kind === 'HTTPRoute');
  return {
    namespace: service.namespace,
    service: service.name,
    route: route?.metadata.name ?? `${service.name}-route`,
  };
}

function plain<T extends { metadata: { creationTimestamp?: string | null | undefined } }>(doc: T): T {
  const { creationTimestamp: _, ...metadata } = doc.metadata;
  return { ...doc, metadata };
}

/** The documents the editor starts from: the live route (or a new one) and the Service's own document. */
function startingDocuments(service: Service, policies: ServicePolicies) {
  const target = editTarget(service, policies);
  const live = policies.routes.find(
    (r): r is HTTPRoute => r.kind === 'HTTPRoute' && r.metadata.name === target.route,
  );
  const port = service.ports[0]?.port;
  const route: HTTPRoute = live
    ? plain(live)
    : {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: target.route, namespace: service.namespace },
        spec: {
          parentRefs: [{ group: 'core', kind: 'Service', name: service.name, port }],
          rules: [{ backendRefs: [{ name: service.name, port, weight: 100 }] }],
        },
      };
  return { route, overlay: policies.overlay && plain(policies.overlay) };
}

/** The starting YAML: the live route and Service documents (or a new route with all traffic on the Service). */
export function initialYaml(service: Service, policies: ServicePolicies): string {
  const { route, overlay } = startingDocuments(service, policies);
  const parts = [stringify(route, { flowCollectionPadding: true })];
  if (overlay) parts.push(stringify(overlay));
  return parts.join('---\n');
}

/**
 * The form of `initialYaml`, read from the documents themselves rather than by parsing
 * that text again (a route with many rules makes a long text): the same as
 * `formFromYaml(initialYaml(service, policies), editTarget(service, policies))`.
 */
export function initialForm(service: Service, policies: ServicePolicies): FormReading {
  const { route, overlay } = startingDocuments(service, policies);
  return { form: formOf(route.spec.rules?.[0], overlay?.metadata.annotations) };
}

function documents(text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text);
  return Array.isArray(docs) ? docs : [docs];
}

function find(docs: Document.Parsed[], kind: string, name: string): Document.Parsed | undefined {
  return docs.find((d) => d.get('kind') === kind && d.getIn(['metadata', 'name']) === name);
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

export type FormReading = { form: RouteForm; error?: undefined } | { form?: undefined; error: string };

/** The form as the YAML says it, or why it cannot be shown (YAML that does not parse, the route missing). */
export function formFromYaml(text: string, target: EditTarget): FormReading {
  const docs = documents(text);
  const broken = docs.find((d) => d.errors.length > 0);
  if (broken) return { error: `The YAML does not parse: ${broken.errors[0]?.message.split('\n')[0]}` };
  const route = find(docs, 'HTTPRoute', target.route);
  if (!route) return { error: `The YAML has no HTTPRoute named ${target.route}; edit it as YAML.` };
  const rule = (route.getIn(RULE) as { toJSON?: () => unknown } | undefined)?.toJSON?.() as
    | Partial<Rule>
    | undefined;
  const overlay = find(docs, 'Service', target.service);
  const annotations = (
    overlay?.getIn(['metadata', 'annotations']) as { toJSON?: () => unknown } | undefined
  )?.toJSON?.() as Record<string, string> | undefined;
  return { form: formOf(rule, annotations) };
}

type Rule = NonNullable<HTTPRoute['spec']['rules']>[number];

/** The form's fields from the route's first rule and the Service document's annotations. */
function formOf(rule: Partial<Rule> | undefined, annotations: Record<string, string> | undefined): RouteForm {
  const backends = (Array.isArray(rule?.backendRefs) ? rule.backendRefs : []).map((b) => ({
    name: str(b?.name),
    port: typeof b?.port === 'number' ? b.port : undefined,
    weight: typeof b?.weight === 'number' ? b.weight : b?.weight === undefined ? 1 : Number.NaN,
  }));
  const path = Array.isArray(rule?.matches) ? rule.matches[0]?.path : undefined;
  const pathMatch: PathMatchField | null = path
    ? {
        type: (path.type as PathMatchField['type'] | undefined) ?? 'PathPrefix',
        value: str(path.value ?? '/'),
      }
    : null;
  return {
    backends,
    pathMatch,
    timeout: str(rule?.timeouts?.request),
    retryOn: annotationValue(annotations, 'retry', RETRY_KEYS.retryOn) ?? '',
    retryLimit: annotationValue(annotations, 'retry', RETRY_KEYS.retryLimit) ?? '',
    retryTimeout: annotationValue(annotations, 'retry', RETRY_KEYS.retryTimeout) ?? '',
  };
}

function sameBackends(a: readonly BackendField[], b: readonly BackendField[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.name === b[i]?.name && x.port === b[i]?.port && Object.is(x.weight, b[i]?.weight))
  );
}

/** Deletes `path` and then each parent it leaves empty, up to (not including) `stop` keys deep. */
function deletePruning(doc: Document.Parsed, path: readonly (string | number)[], stop: number): void {
  if (!doc.hasIn(path)) return;
  doc.deleteIn(path);
  for (let n = path.length - 1; n > stop; n--) {
    const parent = doc.getIn(path.slice(0, n), true);
    if ((isMap(parent) || isSeq(parent)) && parent.items.length === 0) doc.deleteIn(path.slice(0, n));
    else break;
  }
}

function writeBackends(doc: Document.Parsed, backends: readonly BackendField[]): void {
  const old = doc.getIn([...RULE, 'backendRefs']) as { toJSON?: () => unknown } | undefined;
  const oldList = (old?.toJSON?.() as Record<string, unknown>[] | undefined) ?? [];
  const list = backends.map((b, i) => {
    const { name: _n, port: _p, weight: _w, ...rest } = oldList[i] ?? {};
    return { name: b.name, ...(b.port !== undefined ? { port: b.port } : {}), weight: b.weight, ...rest };
  });
  const node = doc.createNode(list);
  for (const item of node.items) if (isMap(item)) item.flow = true;
  doc.setIn([...RULE, 'backendRefs'], node);
}

function writePathMatch(doc: Document.Parsed, match: PathMatchField | null): void {
  const at = [...RULE, 'matches', 0, 'path'];
  if (match === null) deletePruning(doc, at, RULE.length);
  else doc.setIn(at, doc.createNode({ type: match.type, value: match.value }, { flow: true }));
}

function writeRetries(docs: Document.Parsed[], form: RouteForm, target: EditTarget): string | undefined {
  const overlay = find(docs, 'Service', target.service);
  let added: string | undefined;
  const wanted = Object.entries(RETRY_KEYS).filter(
    ([field]) => form[field as keyof typeof RETRY_KEYS] !== '',
  );
  if (!overlay) {
    if (wanted.length === 0) return undefined;
    const annotations = Object.fromEntries(
      wanted.map(([field, key]) => [
        policyAnnotationKey('retry', key),
        form[field as keyof typeof RETRY_KEYS],
      ]),
    );
    added = stringify({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: target.service, namespace: target.namespace, annotations },
    });
    return added;
  }
  for (const [field, key] of Object.entries(RETRY_KEYS)) {
    const value = form[field as keyof typeof RETRY_KEYS];
    const weft = ['metadata', 'annotations', policyAnnotationKey('retry', key, 'weft')];
    const linkerd = ['metadata', 'annotations', policyAnnotationKey('retry', key, 'linkerd')];
    if (value === '') {
      deletePruning(overlay, weft, 1);
      deletePruning(overlay, linkerd, 1);
    } else if (overlay.getIn(linkerd) !== undefined && overlay.getIn(weft) === undefined)
      overlay.setIn(linkerd, value);
    else overlay.setIn(weft, value);
  }
  return added;
}

/** `text` with the form's changes from what `text` says written into it. */
export function yamlWithForm(text: string, form: RouteForm, target: EditTarget): string {
  const before = formFromYaml(text, target).form;
  if (!before) return text;
  const docs = documents(text);
  const route = find(docs, 'HTTPRoute', target.route);
  if (!route) return text;
  if (!sameBackends(before.backends, form.backends)) writeBackends(route, form.backends);
  if (JSON.stringify(before.pathMatch) !== JSON.stringify(form.pathMatch))
    writePathMatch(route, form.pathMatch);
  if (before.timeout !== form.timeout) {
    if (form.timeout === '') deletePruning(route, [...RULE, 'timeouts', 'request'], RULE.length);
    else route.setIn([...RULE, 'timeouts', 'request'], form.timeout);
  }
  let added: string | undefined;
  if (
    before.retryOn !== form.retryOn ||
    before.retryLimit !== form.retryLimit ||
    before.retryTimeout !== form.retryTimeout
  )
    added = writeRetries(docs, form, target);
  const out = docs.map((d) => d.toString({ flowCollectionPadding: true }));
  if (added) out.push(`---\n${added}`);
  return out.join('');
}

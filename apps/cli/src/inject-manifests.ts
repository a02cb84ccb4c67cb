/**
 * `weft inject`'s transformation, without I/O: every pod, and every pod template of a
 * workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob), gets the proxy
 * and the init container the Kubernetes webhook would add (the same pure function, from
 * `@weft/shared`), marked `weft.dev/inject: enabled`. Other documents pass through as they
 * are; a pod template that says `weft.dev/inject: disabled`, or on the host network, is
 * left alone and reported.
 */
import {
  INJECT_ANNOTATION,
  type InjectionConfig,
  injectPod,
  type PodLike,
  PROXY_CONTAINER,
} from '@weft/shared';
import { Document, parseAllDocuments } from 'yaml';
import { CliError } from './errors.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kinds whose pod template sits at `spec.template`. */
const TEMPLATE_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'ReplicationController',
]);

export interface InjectResult {
  /** The documents, injected where they hold a pod. */
  yaml: string;
  /** `kind/name: what happened`, one per pod or pod template. */
  report: string[];
}

function templateOf(doc: Obj): { holder: Obj; key: 'template' } | undefined {
  const kind = doc.kind;
  const spec = doc.spec;
  if (!isObj(spec)) return undefined;
  if (typeof kind === 'string' && TEMPLATE_KINDS.has(kind) && isObj(spec.template))
    return { holder: spec, key: 'template' };
  if (kind === 'CronJob' && isObj(spec.jobTemplate)) {
    const jobSpec = (spec.jobTemplate as Obj).spec;
    if (isObj(jobSpec) && isObj(jobSpec.template)) return { holder: jobSpec, key: 'template' };
  }
  return undefined;
}

/** Injects one pod (or template, named after its workload); says what it did. */
function injectOne(pod: Obj, name: string, config: InjectionConfig): { pod: Obj; note: string } {
  const p = pod as PodLike & Obj;
  const own = p.metadata?.annotations?.[INJECT_ANNOTATION];
  if (own === 'disabled') return { pod, note: `skipped (${INJECT_ANNOTATION}: disabled)` };
  if (p.spec?.hostNetwork) return { pod, note: 'skipped (on the host network)' };
  if (p.spec?.containers?.some((c) => c.name === PROXY_CONTAINER)) return { pod, note: 'already injected' };
  if (!Array.isArray(p.spec?.containers) || p.spec.containers.length === 0)
    throw new CliError(`inject: ${name} has no containers`);
  const metadata = isObj(pod.metadata) ? pod.metadata : {};
  // The proxy is told its workload's name; a template has no name of its own.
  const named = { ...pod, metadata: { ...metadata, name: metadata.name ?? name.split('/').pop() } } as Obj;
  const marked = {
    ...named,
    metadata: {
      ...(named.metadata as Obj),
      annotations: { ...((metadata.annotations as Obj | undefined) ?? {}), [INJECT_ANNOTATION]: 'enabled' },
    },
  } as PodLike & Obj;
  const injected = injectPod(marked, {}, config) as Obj;
  // Keep the template's own metadata (no invented name on a template).
  (injected.metadata as Obj).name = metadata.name;
  if (metadata.name === undefined) delete (injected.metadata as Obj).name;
  return { pod: injected, note: 'injected' };
}

/** Injects every pod and pod template in `text` (one or more YAML documents). */
export function injectManifests(text: string, config: InjectionConfig, source = 'input'): InjectResult {
  const docs = parseAllDocuments(text);
  const report: string[] = [];
  const out: string[] = [];
  for (const [i, d] of docs.entries()) {
    if (!(d instanceof Document)) throw new CliError(`inject: ${source}: document ${i + 1} is not YAML`);
    if (d.errors.length)
      throw new CliError(`inject: ${source}: document ${i + 1}: ${d.errors[0]?.message ?? 'invalid YAML'}`);
    const value: unknown = d.toJS();
    if (value === null || value === undefined) continue;
    if (!isObj(value)) {
      out.push(d.toString());
      continue;
    }
    const meta = isObj(value.metadata) ? value.metadata : {};
    const name = `${String(value.kind ?? 'object')}/${String(meta.name ?? '?')}`;
    if (value.kind === 'Pod') {
      const r = injectOne(value, name, config);
      report.push(`${name}: ${r.note}`);
      out.push(new Document(r.pod).toString());
      continue;
    }
    const t = templateOf(value);
    if (!t) {
      out.push(d.toString());
      continue;
    }
    const r = injectOne(t.holder[t.key] as Obj, name, config);
    report.push(`${name}: ${r.note}`);
    t.holder[t.key] = r.pod;
    out.push(new Document(value).toString());
  }
  return { yaml: out.join('---\n'), report };
}

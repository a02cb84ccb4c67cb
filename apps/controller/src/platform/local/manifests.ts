/**
 * Reads the Kubernetes manifests the local platform runs: every `*.yaml` / `*.yml` file
 * of a directory, several documents per file. Deployments and Services are kept (the
 * subset of their fields the local platform honours); Namespaces are noted; other kinds
 * are skipped. A bad document is reported with its file, index, object and field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DnsLabel, ErrorCode, labelsMatch, MeshError } from '@weft/shared';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

const PortRef = z.union([z.number().int().min(1).max(65535), z.string().min(1)]);

const Probe = z.object({
  httpGet: z.object({ path: z.string().default('/'), port: PortRef }).optional(),
  tcpSocket: z.object({ port: PortRef }).optional(),
  initialDelaySeconds: z.number().nonnegative().default(0),
  periodSeconds: z.number().positive().default(10),
  timeoutSeconds: z.number().positive().default(1),
  failureThreshold: z.number().int().positive().default(3),
  successThreshold: z.number().int().positive().default(1),
});
export type Probe = z.infer<typeof Probe>;

const EnvVar = z.object({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z.object({ fieldRef: z.object({ fieldPath: z.string() }).optional() }).optional(),
});
export type EnvVar = z.infer<typeof EnvVar>;

const Container = z.object({
  name: DnsLabel,
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  env: z.array(EnvVar).default([]),
  ports: z
    .array(
      z.object({
        name: z.string().optional(),
        containerPort: z.number().int().min(1).max(65535),
        protocol: z.enum(['TCP', 'UDP']).default('TCP'),
      }),
    )
    .default([]),
  readinessProbe: Probe.optional(),
});
export type ContainerSpec = z.infer<typeof Container>;

const Metadata = z.object({
  name: DnsLabel,
  namespace: DnsLabel.default('default'),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
  creationTimestamp: z.string().optional(),
});

const DeploymentDoc = z.object({
  kind: z.literal('Deployment'),
  metadata: Metadata,
  spec: z.object({
    replicas: z.number().int().min(0).default(1),
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    template: z.object({
      metadata: z
        .object({
          labels: z.record(z.string(), z.string()).default({}),
          annotations: z.record(z.string(), z.string()).default({}),
        })
        .default({ labels: {}, annotations: {} }),
      spec: z.object({
        serviceAccountName: z.string().default('default'),
        containers: z.array(Container).min(1, 'must list at least one container'),
      }),
    }),
  }),
});

const ServiceDoc = z.object({
  kind: z.literal('Service'),
  metadata: Metadata,
  spec: z.object({
    selector: z.record(z.string(), z.string()).default({}),
    ports: z
      .array(
        z.object({
          name: z.string().optional(),
          port: z.number().int().min(1).max(65535),
          targetPort: PortRef.optional(),
          protocol: z.enum(['TCP', 'UDP']).default('TCP'),
        }),
      )
      .min(1, 'must list at least one port'),
  }),
});

/** A Deployment as the local platform runs it. */
export interface DeploymentSpec {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  replicas: number;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  serviceAccount: string;
  /** The first container; the local platform runs one container per pod. */
  container: ContainerSpec;
  creationTimestamp?: string;
}

/** A Service as the local platform runs it (named target ports still unresolved). */
export interface ServiceSpec {
  namespace: string;
  name: string;
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort: number | string; protocol: 'TCP' | 'UDP' }[];
}

export interface Manifests {
  deployments: DeploymentSpec[];
  services: ServiceSpec[];
  namespaces: string[];
}

function invalid(where: string, issues: z.core.$ZodIssue[]): MeshError {
  const detail = issues
    .map((i) => `${i.path.map(String).join('.') || '(document)'}: ${i.message}`)
    .join('; ');
  return new MeshError(ErrorCode.invalidInput, `${where}: ${detail}`);
}

/** Parses one file's text; `file` names it in errors. */
export function parseManifests(text: string, file: string): Manifests {
  const out: Manifests = { deployments: [], services: [], namespaces: [] };
  const docs = parseAllDocuments(text);
  docs.forEach((doc, index) => {
    const where = `${file} document ${index + 1}`;
    if (doc.errors.length) throw new MeshError(ErrorCode.invalidInput, `${where}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const kind = (value as { kind?: unknown }).kind;
    const name = (value as { metadata?: { name?: unknown } }).metadata?.name;
    const label = `${where} (${String(kind)} ${String(name)})`;
    if (kind === 'Namespace' && typeof name === 'string') {
      out.namespaces.push(name);
    } else if (kind === 'Deployment') {
      const r = DeploymentDoc.safeParse(value);
      if (!r.success) throw invalid(label, r.error.issues);
      const { metadata, spec } = r.data;
      const container = spec.template.spec.containers[0] as ContainerSpec;
      if (!labelsMatch(spec.selector.matchLabels, spec.template.metadata.labels)) {
        throw new MeshError(
          ErrorCode.invalidInput,
          `${label}: spec.selector.matchLabels does not match spec.template.metadata.labels`,
        );
      }
      out.deployments.push({
        namespace: metadata.namespace,
        name: metadata.name,
        labels: metadata.labels,
        replicas: spec.replicas,
        selector: spec.selector.matchLabels,
        podLabels: spec.template.metadata.labels,
        podAnnotations: spec.template.metadata.annotations,
        serviceAccount: spec.template.spec.serviceAccountName,
        container,
        ...(metadata.creationTimestamp ? { creationTimestamp: metadata.creationTimestamp } : {}),
      });
    } else if (kind === 'Service') {
      const r = ServiceDoc.safeParse(value);
      if (!r.success) throw invalid(label, r.error.issues);
      const { metadata, spec } = r.data;
      out.services.push({
        namespace: metadata.namespace,
        name: metadata.name,
        selector: spec.selector,
        ports: spec.ports.map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          port: p.port,
          targetPort: p.targetPort ?? p.port,
          protocol: p.protocol,
        })),
      });
    }
  });
  return out;
}

/** Reads every manifest file of `dir` (sorted by name); throws on the first bad document or a duplicate. */
export function readManifestDir(dir: string): Manifests {
  const out: Manifests = { deployments: [], services: [], namespaces: [] };
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    throw new MeshError(ErrorCode.invalidInput, `cannot read the manifests directory ${dir}`, { cause: err });
  }
  for (const file of files) {
    const m = parseManifests(readFileSync(join(dir, file), 'utf8'), file);
    out.deployments.push(...m.deployments);
    out.services.push(...m.services);
    out.namespaces.push(...m.namespaces);
  }
  for (const list of [out.deployments, out.services]) {
    const seen = new Set<string>();
    for (const o of list) {
      const key = `${o.namespace}/${o.name}`;
      if (seen.has(key)) throw new MeshError(ErrorCode.conflict, `${key} is declared twice in ${dir}`);
      seen.add(key);
    }
  }
  return out;
}

/** The container port a probe or target port refers to (by number or by name). */
export function resolvePort(container: ContainerSpec, ref: number | string): number | undefined {
  if (typeof ref === 'number') return ref;
  if (/^\d+$/.test(ref)) return Number(ref);
  return container.ports.find((p) => p.name === ref)?.containerPort;
}

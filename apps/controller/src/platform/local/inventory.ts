/**
 * What the local platform runs: the Deployments and Services of the manifest directory,
 * with each workload's durable desired state (meshed, replicas) and rollout progress,
 * and each service's virtual address (127.20.x.y, kept across restarts).
 */
import {
  ErrorCode,
  INJECT_ANNOTATION,
  labelsMatch,
  MeshError,
  type RolloutProgress,
  serviceSelects,
  type WorkloadRef,
} from '@weft/shared';
import { AddressPool } from './addresses.ts';
import { type DeploymentSpec, type Manifests, resolvePort, type ServiceSpec } from './manifests.ts';
import { netnsServicePool } from './netns/layout.ts';
import type { LocalCapture, ServiceAddress } from './pod-env.ts';
import type { LocalState, WorkloadState } from './state.ts';
import { objectKey } from './template.ts';

export interface WorkloadEntry {
  spec: DeploymentSpec;
  state: WorkloadState;
  progress: RolloutProgress;
  /** A rollout is running. */
  rolling: boolean;
  /** Another round was asked for while rolling. */
  again: boolean;
}

export interface ServiceEntry {
  spec: ServiceSpec;
  clusterIP: string;
}

const byKey = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
  objectKey(a.namespace, a.name).localeCompare(objectKey(b.namespace, b.name));

export class Inventory {
  readonly workloads = new Map<string, WorkloadEntry>();
  readonly services = new Map<string, ServiceEntry>();
  #namespaces: string[] = [];
  readonly #serviceIps: AddressPool;

  constructor(serviceOctet: number, capture: LocalCapture = 'http-proxy') {
    this.#serviceIps = capture === 'netns' ? netnsServicePool() : new AddressPool(20, serviceOctet);
  }

  /** Fills the inventory from the manifests, keeping the saved addresses and desired state. */
  load(manifests: Manifests, saved: LocalState, now: string): void {
    this.#namespaces = manifests.namespaces;
    const services = [...manifests.services].sort(byKey);
    for (const spec of services) {
      const ip = saved.services[objectKey(spec.namespace, spec.name)];
      if (ip && this.#serviceIps.reserve(ip))
        this.services.set(objectKey(spec.namespace, spec.name), { spec, clusterIP: ip });
    }
    for (const spec of services) {
      const k = objectKey(spec.namespace, spec.name);
      if (!this.services.has(k)) this.services.set(k, { spec, clusterIP: this.#serviceIps.allocate() });
    }
    for (const spec of manifests.deployments) {
      const k = objectKey(spec.namespace, spec.name);
      const state: WorkloadState = saved.workloads[k] ?? {
        meshed: spec.podAnnotations[INJECT_ANNOTATION] === 'enabled',
        replicas: spec.replicas,
        createdAt: spec.creationTimestamp ?? now,
      };
      const progress: RolloutProgress = {
        workload: { namespace: spec.namespace, name: spec.name },
        action: state.meshed ? 'mesh' : 'unmesh',
        total: state.replicas,
        updated: 0,
        ready: 0,
        state: 'progressing',
        message: 'starting',
      };
      this.workloads.set(k, { spec, state, rolling: false, again: false, progress });
    }
  }

  namespaces(): string[] {
    const names = new Set(this.#namespaces);
    for (const w of this.workloads.values()) names.add(w.spec.namespace);
    for (const s of this.services.values()) names.add(s.spec.namespace);
    return [...names].sort();
  }

  sortedWorkloads(namespace?: string): WorkloadEntry[] {
    return [...this.workloads.values()]
      .filter((w) => !namespace || w.spec.namespace === namespace)
      .sort((a, b) => byKey(a.spec, b.spec));
  }

  sortedServices(namespace?: string): ServiceEntry[] {
    return [...this.services.values()]
      .filter((s) => !namespace || s.spec.namespace === namespace)
      .sort((a, b) => byKey(a.spec, b.spec));
  }

  find(namespace: string, name: string): WorkloadEntry | undefined {
    return this.workloads.get(objectKey(namespace, name));
  }

  /** The workload; throws `WEFT_NOT_FOUND` when there is none. */
  entry(ref: WorkloadRef): WorkloadEntry {
    const w = this.find(ref.namespace, ref.name);
    if (!w) throw new MeshError(ErrorCode.notFound, `workload ${ref.namespace}/${ref.name} not found`);
    return w;
  }

  service(ref: WorkloadRef): ServiceEntry | undefined {
    return this.services.get(objectKey(ref.namespace, ref.name));
  }

  /** Whether the service selects the pods of `namespace/workload`. */
  selects(service: ServiceSpec, namespace: string, workload: string): boolean {
    if (service.namespace !== namespace) return false;
    const w = this.find(namespace, workload);
    return !!w && serviceSelects(service.selector, w.spec.podLabels);
  }

  /** The first workload whose pod labels the service selects. */
  selectedWorkload(service: ServiceSpec): WorkloadEntry | undefined {
    if (Object.keys(service.selector).length === 0) return undefined;
    return [...this.workloads.values()].find(
      (w) => w.spec.namespace === service.namespace && labelsMatch(service.selector, w.spec.podLabels),
    );
  }

  /** A service target port (number or container port name) on the pods of `namespace/workload`. */
  targetPort(namespace: string, workload: string, ref: number | string): number | undefined {
    const w = this.find(namespace, workload);
    return w ? resolvePort(w.spec.container, ref) : typeof ref === 'number' ? ref : undefined;
  }

  /** Every service's virtual address, as pods see them in their environment. */
  serviceAddresses(): ServiceAddress[] {
    return [...this.services.values()].map((s) => ({
      namespace: s.spec.namespace,
      name: s.spec.name,
      clusterIP: s.clusterIP,
      ports: s.spec.ports,
    }));
  }
}

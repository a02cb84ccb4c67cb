/**
 * For the policy tests: an in-memory platform holding the demo's Services and
 * workloads (reads and change events only; the policy service needs no more), and a
 * temporary state directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod, Service, Workload } from '@weft/shared';
import type { Platform, PlatformEvent } from '../core/platform.ts';

export function demoServices(): Service[] {
  const svc = (name: string, clusterIP: string, port: number, targetPort = 8080): Service => ({
    namespace: 'demo',
    name,
    clusterIP,
    ports: [{ name: 'http', port, targetPort, protocol: 'TCP' }],
    selector: { app: name },
  });
  return [
    svc('web', '127.20.0.1', 80),
    svc('catalog', '127.20.0.2', 8080),
    svc('inventory', '127.20.0.3', 8080),
    svc('inventory-v2', '127.20.0.4', 8080),
  ];
}

function workload(name: string): Workload {
  return {
    namespace: 'demo',
    name,
    kind: 'Deployment',
    labels: { app: name },
    serviceAccount: name,
    replicas: 1,
    readyReplicas: 1,
    meshedReplicas: 1,
    meshed: true,
    meshState: 'meshed',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** One workload per demo Service, labelled `app: <name>`. */
export function demoWorkloads(): Workload[] {
  return demoServices().map((s) => workload(s.name));
}

export class MemoryPlatform {
  services: Service[] = demoServices();
  workloads: Workload[] = this.services.map((s) => workload(s.name));
  pods: Pod[] = [];
  readonly #listeners = new Set<(e: PlatformEvent) => void>();

  listServices(namespace?: string): Service[] {
    return this.services.filter((s) => namespace === undefined || s.namespace === namespace);
  }
  listWorkloads(namespace?: string): Workload[] {
    return this.workloads.filter((w) => namespace === undefined || w.namespace === namespace);
  }
  getWorkload(ref: { namespace: string; name: string }): Workload | undefined {
    return this.workloads.find((w) => w.namespace === ref.namespace && w.name === ref.name);
  }
  listEndpoints(): [] {
    return [];
  }
  podEndpoint(): undefined {
    return undefined;
  }
  listPods(): Pod[] {
    return this.pods;
  }
  watch(listener: (e: PlatformEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  /** Replaces the Services and tells watchers. */
  setServices(services: Service[]): void {
    this.services = services;
    for (const l of this.#listeners) l({ kind: 'service', namespace: 'demo', name: '*' });
  }
  asPlatform(): Platform {
    return this as unknown as Platform;
  }
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'weft-policy-'));
}

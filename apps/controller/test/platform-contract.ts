/**
 * The contract every `Platform` implementation passes (the local one now, the Kubernetes
 * one later), written against the port alone. The setup provides a platform running one
 * Deployment with one ready replica and a Service that selects it.
 */
import { ErrorCode, MeshError } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform, PlatformEvent } from '../src/core/platform.ts';

export interface ContractSetup {
  platform: Platform;
  /** A Deployment with one ready replica. */
  workload: { namespace: string; name: string };
  /** A Service selecting it. */
  service: { namespace: string; name: string };
  cleanup(): Promise<void>;
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function code(err: unknown): string | undefined {
  return err instanceof MeshError ? err.code : undefined;
}

export function describePlatformContract(name: string, setup: () => Promise<ContractSetup>): void {
  describe(`Platform contract: ${name}`, () => {
    let s: ContractSetup;
    beforeAll(async () => {
      s = await setup();
    }, 90_000);
    afterAll(async () => {
      await s?.cleanup();
    }, 60_000);

    it('lists what it runs, filtered by namespace, consistently across calls', () => {
      const { platform, workload, service } = s;
      const namespaces = platform.listNamespaces();
      expect(namespaces).toEqual([...namespaces].sort());
      expect(namespaces).toContain(workload.namespace);
      const listed = platform.listWorkloads(workload.namespace).find((w) => w.name === workload.name);
      expect(listed).toEqual(platform.getWorkload(workload));
      expect(listed).toMatchObject({ replicas: 1, readyReplicas: 1, kind: 'Deployment' });
      expect(platform.listWorkloads('no-such-namespace')).toEqual([]);
      expect(
        platform.getWorkload({ namespace: workload.namespace, name: 'no-such-workload' }),
      ).toBeUndefined();
      const pods = platform.listPods(workload.namespace, workload.name);
      expect(pods).toHaveLength(1);
      expect(pods.every((p) => p.workload === workload.name && p.ready && p.phase === 'Running')).toBe(true);
      expect(platform.listServices(service.namespace).map((x) => x.name)).toContain(service.name);
    });

    it('gives the ready pods as endpoints of the service', () => {
      const [slice] = s.platform.listEndpoints(s.service);
      const pods = s.platform.listPods(s.workload.namespace, s.workload.name);
      expect(slice?.service).toEqual(s.service);
      expect(slice?.endpoints.map((e) => e.address)).toEqual(pods.map((p) => p.ip));
      expect(s.platform.listEndpoints({ namespace: s.service.namespace, name: 'no-such-service' })).toEqual(
        [],
      );
    });

    it("gives a ready pod's own address as that pod's endpoint, announced as in the service's", () => {
      const [slice] = s.platform.listEndpoints(s.service);
      for (const e of slice?.endpoints ?? []) expect(s.platform.podEndpoint(e.address, e.port)).toEqual(e);
      expect(slice?.endpoints.length).toBeGreaterThan(0);
      expect(s.platform.podEndpoint('127.254.254.254', 8080)).toBeUndefined();
    });

    it('refuses mutations of what does not exist with WEFT_NOT_FOUND, changing nothing', async () => {
      const before = s.platform.listWorkloads();
      const ghost = { namespace: s.workload.namespace, name: 'no-such-workload' };
      for (const attempt of [
        () => s.platform.mesh(ghost),
        () => s.platform.unmesh(ghost),
        () => s.platform.scale(ghost, 2),
        () => s.platform.podLogs(s.workload.namespace, 'no-such-pod', 10),
      ]) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(code(err)).toBe(ErrorCode.notFound);
      }
      expect(s.platform.listWorkloads()).toEqual(before);
    });

    it('scales, telling watchers, and the endpoints follow', async () => {
      const events: PlatformEvent[] = [];
      const stop = s.platform.watch((e) => events.push(e));
      try {
        const w = await s.platform.scale(s.workload, 2);
        expect(w.replicas).toBe(2);
        await until(
          'two ready endpoints',
          () => s.platform.listEndpoints(s.service)[0]?.endpoints.length === 2,
        );
        expect(events.some((e) => e.kind === 'pod' && e.workload === s.workload.name)).toBe(true);
        expect(events.some((e) => e.kind === 'endpoints' && e.name === s.service.name)).toBe(true);
        await s.platform.scale(s.workload, 1);
        await until(
          'one pod again',
          () => s.platform.listPods(s.workload.namespace, s.workload.name).length === 1,
        );
        await until('the rollout to settle', () => s.platform.rolloutStatus(s.workload).state === 'complete');
      } finally {
        stop();
      }
      const seen = events.length;
      await s.platform.scale(s.workload, 1);
      expect(events.length).toBe(seen);
    }, 60_000);
  });
}

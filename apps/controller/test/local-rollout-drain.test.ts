// A rollout on the local platform does not wait for an old pod to drain and stop: the
// old pod leaves its endpoints at once and drains in the background (as a Kubernetes pod
// deletion returns once the pod is terminating), so the next pod starts sooner. Under a
// starved CPU the drains were a large share of every rollout. A graceful stop still ends
// the draining pods too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { LocalPlatform } from '../src/platform/local/local-platform.ts';
import { helloPlatform, reserveOctet, waitFor } from './demo-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-drain-'));
let platform: LocalPlatform | undefined;

afterAll(async () => {
  await platform?.stop({ stopWorkloads: true });
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const answers = (ip: string) =>
  fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.ok)
    .catch(() => false);

it('completes a rollout while the old pod still drains, out of its endpoints; a stop ends it', async () => {
  const octet = await reserveOctet();
  platform = helloPlatform(dir, 'drain', octet, {
    // far longer than the rollout takes: waiting for it would show
    drainDelayMs: 60_000,
  });
  await platform.start();
  const hello = { namespace: 'drain', name: 'hello' };
  await waitFor('hello to be ready', () => platform?.getWorkload(hello)?.readyReplicas === 1, 30_000);
  const [old] = platform.listPods('drain', 'hello');
  expect(old?.meshed).toBe(false);

  await platform.mesh(hello);
  await waitFor('the rollout to complete', () => platform?.rolloutStatus(hello).state === 'complete', 45_000);

  const pods = platform.listPods('drain', 'hello');
  expect(pods.map((p) => [p.meshed, p.ready])).toEqual([[true, true]]);
  expect(pods[0]?.name).not.toBe(old?.name);
  const endpoints = platform.listEndpoints(hello)[0]?.endpoints ?? [];
  expect(endpoints.map((e) => e.pod)).toEqual([pods[0]?.name]);
  // the old pod is terminating: out of every list, still answering while it drains
  expect(await answers(old?.ip ?? '')).toBe(true);

  await platform.stop({ stopWorkloads: true });
  platform = undefined;
  expect(await answers(old?.ip ?? '')).toBe(false);
}, 120_000);

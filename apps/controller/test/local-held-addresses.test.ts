// A process the controller does not run, listening on the address the next pod would get
// (a pod left by a controller killed without shutting down, when a new controller starts
// on a fresh state directory): the pod goes to the next free address and becomes ready
// there, instead of crash-looping on EADDRINUSE while the other process answers its
// readiness probe.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { LocalPlatform } from '../src/platform/local/local-platform.ts';
import { helloPlatform, reserveOctet, waitFor } from './demo-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-held-'));
let platform: LocalPlatform | undefined;
const squatter = http.createServer((_req, res) => res.end('not hello'));

afterAll(async () => {
  await platform?.stop({ stopWorkloads: true });
  squatter.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

it('starts a pod on the next address when another process holds the first one at the pod port', async () => {
  const octet = await reserveOctet();
  const first = `127.10.${octet}.1`;
  await new Promise<void>((resolve) => squatter.listen(8080, first, resolve));
  platform = helloPlatform(dir, 'held', octet);
  await platform.start();
  const hello = { namespace: 'held', name: 'hello' };
  await waitFor('hello to be ready', () => platform?.getWorkload(hello)?.readyReplicas === 1, 30_000);
  const [pod] = platform.listPods('held', 'hello');
  expect(pod?.ip).not.toBe(first);
  expect(pod).toMatchObject({ ready: true, restarts: 0 });
  // the pod's own app answers on its address, and the other process still has its own
  const body = await fetch(`http://${pod?.ip}:8080/`, { signal: AbortSignal.timeout(2000) }).then((r) =>
    r.text(),
  );
  expect(body).toBe('ok');
  expect(await fetch(`http://${first}:8080/`).then((r) => r.text())).toBe('not hello');
}, 60_000);

/**
 * Helpers for the traffic-policy tests: plans built with the shared schema (as the
 * controller would send them), polling for a condition, and bounded request batches
 * through a proxy's outbound listener over keep-alive connections.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { OutboundPolicy, type RoutePlan } from '@weft/shared';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, type Reply, viaProxy } from './core-harness.ts';
import type { FakeController } from './fake-controller.ts';

export type RouteInput = Partial<Omit<RoutePlan, 'source'>> & { name?: string };

/** An outbound policy for `authority` (a Service `name` in namespace `test`, port 80). */
export function outboundPolicy(
  authority: string,
  routes: RouteInput[],
  revision = 1,
  extra: Partial<OutboundPolicy> = {},
): OutboundPolicy {
  return OutboundPolicy.parse({
    revision,
    authority,
    service: { namespace: 'test', name: authority.split('.')[0], port: 80 },
    routes: routes.map(({ name, ...r }, i) => ({
      source: { kind: 'HTTPRoute', namespace: 'test', name: name ?? `route-${i}` },
      ...r,
    })),
    ...extra,
  });
}

/** A backend of a split: `authority` (`name.test:80`) with `weight`. */
export function backend(authority: string, weight: number) {
  return {
    authority,
    weight,
    service: { namespace: 'test', name: authority.split('.')[0] as string, port: 80 },
  };
}

/** Polls `check` every 20 ms until it returns true, or fails after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The proxy's `weft_policy_revision` gauge, or undefined when absent. */
export async function policyRevision(proxy: RunningProxy): Promise<number | undefined> {
  const samples = parseProm((await admin(proxy, '/metrics')).body);
  return samples.find((s) => s.name === 'weft_policy_revision')?.value;
}

/** The proxy's `weft_policy_streams_waiting` gauge (streams with no update yet), or undefined when absent. */
export async function policyStreamsWaiting(proxy: RunningProxy): Promise<number | undefined> {
  const samples = parseProm((await admin(proxy, '/metrics')).body);
  return samples.find((s) => s.name === 'weft_policy_streams_waiting')?.value;
}

/**
 * Sends `n` requests through the proxy, `concurrency` at a time over keep-alive
 * connections, and returns every reply (a transport error counts as status 0).
 */
export async function many(
  proxy: RunningProxy,
  n: number,
  url: (i: number) => string,
  init: (i: number) => { method?: string; headers?: Record<string, string>; body?: string } = () => ({}),
  concurrency = 16,
): Promise<Reply[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const out: Reply[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        out[i] = await viaProxy(proxy, url(i), { ...init(i), agent });
      } catch {
        out[i] = { status: 0, headers: {}, body: '' };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return out;
}

/**
 * An upstream handler answering 200 with `name` once the request body is read, and
 * echoing whether it saw `x-added` / `x-drop` (for header-modifier checks).
 */
export function answerWithName(name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (req.headers['x-added'] !== undefined) headers['x-saw-added'] = String(req.headers['x-added']);
      if (req.headers['x-drop'] !== undefined) headers['x-saw-drop'] = String(req.headers['x-drop']);
      res.writeHead(200, headers);
      res.end(name);
    });
  };
}

/**
 * Applies a policy and waits until the proxy runs it. The proxy subscribes to an
 * authority's policy when it first resolves it (a warm-up request does that), and reports
 * the lowest revision of its streams on /metrics only once every stream has had an update.
 */
export async function applyHttpPolicy(
  fake: FakeController,
  proxy: RunningProxy,
  policy: Parameters<FakeController['setPolicy']>[0],
): Promise<void> {
  fake.setPolicy(policy);
  await viaProxy(proxy, `http://${policy.authority.replace(/:80$/, '')}/warm-up`);
  await waitFor(async () => ((await policyRevision(proxy)) ?? -1) >= policy.revision, 5000, 'the revision');
}

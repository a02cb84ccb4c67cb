/**
 * A fake controller for the proxy's integration tests: a real `@trpc/server` HTTP server
 * whose `destination.get` subscription streams the current `EndpointSet` of an authority,
 * again on every change the test makes (as linkerd2-proxy's tests fake the destination
 * service), and whose `policy.watch` streams the `PolicyUpdate` the test set for an
 * authority or an inbound port, else, as the controller does, the defaults at the current
 * revision (nothing for a key the test withholds). It can be stopped and restarted on the
 * same port.
 */
import type { AddressInfo } from 'node:net';
import { initTRPC } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import {
  Authority,
  CertifyRequest,
  type Endpoint,
  type EndpointSet,
  InboundPolicy,
  type OutboundPolicy,
  PolicyUpdate,
  PolicyWatchInput,
} from '@weft/shared';
import { z } from 'zod';
import type { TestCa } from '../src/tls/test-ca.ts';

export class FakeController {
  private readonly sets = new Map<string, EndpointSet>();
  private readonly listeners = new Set<() => void>();
  private server: ReturnType<typeof createHTTPServer> | null = null;
  port = 0;
  /** Subscriptions opened so far (reconnects count again). */
  subscriptions = 0;
  /** `policy.watch` subscriptions opened so far, by key (authority, or `ns/name:port`). */
  readonly policyWatches = new Map<string, number>();
  private readonly policies = new Map<string, PolicyUpdate>();
  private storeRevision = 0;
  /** Keys (authority, or `ns/name:port`) whose streams are sent nothing until a policy is set. */
  readonly withheld = new Set<string>();
  /** Answers `identity.certify` when set: token → identity, signed by this CA. */
  private identity: { ca: TestCa; tokens: Map<string, string> } | null = null;
  private host = '127.0.0.1';

  /** Serves `identity.certify`: a CSR with one of `tokens` (token → identity) is signed by `ca`. */
  serveIdentity(ca: TestCa, tokens: Record<string, string>): void {
    this.identity = { ca, tokens: new Map(Object.entries(tokens)) };
  }

  /**
   * Sets the policy of an authority (validated by the shared schema) and pushes it to
   * watchers. As in the controller's store, a revision is the whole store's: every other
   * policy is sent again with the new revision number.
   */
  setPolicy(policy: OutboundPolicy): void {
    this.store(policy.authority, PolicyUpdate.parse({ kind: 'outbound', policy }));
  }

  /** Sets the policy of one inbound port of a workload (a new store revision too). */
  /** Fields with defaults may be left out (`authz`: anyone may call). */
  setInbound(policy: z.input<typeof InboundPolicy>): void {
    const key = `${policy.workload.namespace}/${policy.workload.name}:${policy.port}`;
    this.store(key, PolicyUpdate.parse({ kind: 'inbound', policy }));
  }

  private store(key: string, update: PolicyUpdate): void {
    const revision = update.policy.revision;
    this.storeRevision = revision;
    for (const [k, u] of this.policies) {
      if (u.policy.revision !== revision)
        this.policies.set(k, { ...u, policy: { ...u.policy, revision } } as PolicyUpdate);
    }
    this.policies.set(key, update);
    for (const l of this.listeners) l();
  }

  /** Sets the endpoints of a service authority and pushes the set to subscribers. */
  set(authority: string, endpoints: Endpoint[], service = { namespace: 'test', name: 'svc' }): void {
    this.sets.set(authority, { authority, service, endpoints });
    for (const l of this.listeners) l();
  }

  /** What a stream of `input` is sent now: the policy set, else the defaults (none when withheld). */
  private policyOf(key: string, input: PolicyWatchInput): PolicyUpdate | undefined {
    const set = this.policies.get(key);
    if (set !== undefined || this.withheld.has(key)) return set;
    const revision = this.storeRevision;
    if ('authority' in input)
      return {
        kind: 'outbound',
        policy: {
          revision,
          authority: input.authority,
          service: null,
          protocol: 'http',
          routes: [],
          failureAccrual: null,
        },
      };
    return {
      kind: 'inbound',
      policy: InboundPolicy.parse({ revision, workload: input.workload, port: input.port, rateLimit: null }),
    };
  }

  private router() {
    const t = initTRPC.create();
    const self = this;
    return t.router({
      identity: t.router({
        certify: t.procedure.input(CertifyRequest).mutation(async ({ input }) => {
          const id = self.identity;
          const identity = id?.tokens.get(input.token);
          if (id === null || identity === undefined) throw new Error('unknown token');
          return id.ca.certify(input.csr, identity);
        }),
      }),
      destination: t.router({
        get: t.procedure.input(z.object({ authority: Authority })).subscription(async function* ({
          input,
          signal,
        }) {
          self.subscriptions++;
          let wake: (() => void) | null = null;
          const notify = () => wake?.();
          self.listeners.add(notify);
          signal?.addEventListener('abort', notify, { once: true });
          try {
            while (!signal?.aborted) {
              yield self.sets.get(input.authority) ?? {
                authority: input.authority,
                service: null,
                endpoints: [],
              };
              await new Promise<void>((r) => {
                wake = r;
              });
            }
          } finally {
            self.listeners.delete(notify);
          }
        }),
      }),
      policy: t.router({
        watch: t.procedure.input(PolicyWatchInput).subscription(async function* ({ input, signal }) {
          const key =
            'authority' in input
              ? input.authority
              : `${input.workload.namespace}/${input.workload.name}:${input.port}`;
          self.policyWatches.set(key, (self.policyWatches.get(key) ?? 0) + 1);
          let wake: (() => void) | null = null;
          const notify = () => wake?.();
          self.listeners.add(notify);
          let sent = '';
          signal?.addEventListener('abort', notify, { once: true });
          try {
            while (!signal?.aborted) {
              const current = self.policyOf(key, input);
              if (current !== undefined && JSON.stringify(current) !== sent) {
                sent = JSON.stringify(current);
                yield current;
              }
              await new Promise<void>((r) => {
                wake = r;
              });
            }
          } finally {
            self.listeners.delete(notify);
          }
        }),
      }),
    });
  }

  /** The store's revision: the last one set (0 before any). */
  get revision(): number {
    return this.storeRevision;
  }

  /** Listens on `host` (loopback unless a test gives a namespace link's address). */
  async start(port = 0, host = this.host): Promise<void> {
    const server = createHTTPServer({ router: this.router(), basePath: '/trpc/' });
    this.server = server;
    this.host = host;
    await new Promise<void>((r) => server.listen(port, host, () => r()));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }
}

/** An endpoint of the fake mesh. */
export function ep(port: number, workload = 'svc'): Endpoint {
  return {
    address: '127.0.0.1',
    port,
    pod: `${workload}-${port}`,
    workload,
    namespace: 'test',
    meshed: true,
  };
}

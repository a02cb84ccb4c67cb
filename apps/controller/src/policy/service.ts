/**
 * The policy service: what the `policies.*` and `policy.watch` procedures call. It
 * parses and validates changes against the live documents and the platform's Services
 * (refusing any change that adds a problem), commits each as a revision, compiles the
 * plans once per revision or Service change, and feeds every watch stream: the current
 * policy at once, then again on every new revision (even when its content for that
 * stream is unchanged, so every proxy's reported revision advances) or content change.
 */
import {
  describePolicyIssue,
  describePolicyRef,
  ErrorCode,
  type InboundPolicy,
  MeshError,
  type OutboundPolicy,
  type PolicyApplyResult,
  type PolicyDocument,
  type PolicyListItem,
  type PolicyPropagation,
  type PolicyRefInput,
  type PolicyRevision,
  type PolicyRevisionSummary,
  type PolicyUpdate,
  type PolicyWatchInput,
  policyKey,
  policyRefOf,
} from '@weft/shared';
import { ChangeSignal } from '../core/change-signal.ts';
import type { Platform, Unsubscribe } from '../core/platform.ts';
import type { DocumentState } from '../state/store.ts';
import { type ChangeOptions, changeBetween, type PolicyChange } from './change.ts';
import type { AuthzSettings } from './compile-authz.ts';
import { DEFAULT_AUTHZ_SETTINGS } from './compile-authz.ts';
import { type CompiledPlans, compilePlans } from './compile-plans.ts';
import { diffPolicies } from './diff.ts';
import { findDocument, mergeDocuments } from './live-set.ts';
import { parsePolicyYaml, refuse } from './parse.ts';
import { type MetricsReader, readProxyRevisions } from './propagation.ts';
import { inboundPolicyOf, outboundPolicyOf } from './served.ts';
import { type CommitInfo, PolicyStore } from './store.ts';
import { statusOf, validatePolicies } from './validate.ts';

/** The author of changes until users exist. */
export const LOCAL_AUTHOR = 'local';
/** At most this many documents live at once. */
export const MAX_LIVE_DOCUMENTS = 5_000;
/** At most this many `policy.watch` streams at once. */
export const MAX_POLICY_STREAMS = 10_000;

export interface PolicyServiceOptions {
  platform: Platform;
  state: DocumentState;
  maxRevisions?: number;
  /** Most bytes of stored history (the oldest revisions go first); unbounded by default. */
  maxHistoryBytes?: number;
  /** How propagation reads a proxy's `/metrics` (tests replace it). */
  readMetrics?: MetricsReader;
  /** The mesh-wide default inbound policy and the cluster's networks. */
  authz?: AuthzSettings;
}

interface Stream {
  sent: number;
}

export class PolicyService {
  readonly #platform: Platform;
  readonly #store: PolicyStore;
  readonly #readMetrics: MetricsReader | undefined;
  readonly #authzSettings: AuthzSettings;
  readonly #subscribers = new Set<ChangeSignal>();
  readonly #streams = new Set<Stream>();
  readonly #unwatch: Unsubscribe;
  #compiled: CompiledPlans | undefined;
  #publish: ((change: PolicyChange) => void) | undefined;
  #publishable: ((change: PolicyChange) => MeshError | undefined) | undefined;

  constructor(options: PolicyServiceOptions) {
    this.#platform = options.platform;
    this.#store = new PolicyStore(options.state, options.maxRevisions, options.maxHistoryBytes);
    this.#readMetrics = options.readMetrics;
    this.#authzSettings = options.authz ?? DEFAULT_AUTHZ_SETTINGS;
    this.#unwatch = options.platform.watch((e) => {
      if (e.kind === 'service' || e.kind === 'workload' || e.kind === 'endpoints' || e.kind === 'namespace')
        this.#changed();
    });
  }

  /** Stops following the platform (streams end when their callers abort). */
  close(): void {
    this.#unwatch();
  }

  get revision(): number {
    return this.#store.revision;
  }

  /** Sends every committed change not made by the cluster to `publish` (set once, at start-up). */
  publishTo(
    publish: (change: PolicyChange) => void,
    /** Why a change cannot be published (it is then refused with that error, changing nothing). */
    refusal?: (change: PolicyChange) => MeshError | undefined,
  ): void {
    this.#publish = publish;
    this.#publishable = refusal;
  }

  /** Serves the stored history and its live documents again (another replica wrote them). */
  adopt(): void {
    if (this.#store.reload()) this.#changed();
  }

  get empty(): boolean {
    return this.#store.empty;
  }

  /** The live documents. */
  get documents(): readonly PolicyDocument[] {
    return this.#store.documents;
  }

  #changed(): void {
    this.#compiled = undefined;
    for (const s of this.#subscribers) s.notify();
  }

  #plans(): CompiledPlans {
    this.#compiled ??= compilePlans(
      this.#store.documents,
      this.#store.revision,
      this.#platform,
      this.#authzSettings,
    );
    return this.#compiled;
  }

  // === changes ===

  /** Validates `next` against the live set; stores it unless `dryRun` or it adds a problem (then `WEFT_INVALID_INPUT`). */
  #change(
    next: PolicyDocument[],
    shown: readonly PolicyDocument[],
    info: CommitInfo,
    dryRun: boolean,
    fromCluster = false,
  ): PolicyApplyResult {
    if (next.length > MAX_LIVE_DOCUMENTS)
      refuse([
        `the store holds at most ${MAX_LIVE_DOCUMENTS} documents; this change would make ${next.length}`,
      ]);
    const live = this.#store.documents;
    const services = this.#platform.listServices();
    const workloads = this.#platform.listWorkloads();
    const before = new Set(validatePolicies(live, services, workloads).map(describePolicyIssue));
    const after = validatePolicies(next, services, workloads);
    const errors = after.filter((i) => !before.has(describePolicyIssue(i)));
    const diff = diffPolicies(live, next);
    const statuses = shown.map((d) => statusOf(d, after));
    const unpublishable = fromCluster
      ? undefined
      : this.#publishable?.(changeBetween(live, next, info.author));
    if (unpublishable) throw unpublishable;
    if (dryRun)
      return {
        revision: this.#store.revision + 1,
        dryRun,
        valid: errors.length === 0,
        errors,
        statuses,
        diff,
      };
    if (errors.length > 0) refuse(errors.map(describePolicyIssue));
    const committed = this.#store.commit(next, info);
    if (!fromCluster) this.#publish?.(changeBetween(live, next, info.author));
    this.#changed();
    return { revision: committed.revision, dryRun, valid: true, errors: [], statuses, diff };
  }

  /** The live set with each document of the YAML created or replaced, and the documents the YAML holds. */
  #merge(yaml: string): { next: PolicyDocument[]; incoming: PolicyDocument[] } {
    const now = new Date().toISOString();
    const incoming = this.#store.stamp(parsePolicyYaml(yaml), now);
    return { next: mergeDocuments(this.#store.documents, incoming), incoming };
  }

  /** `policies.apply`: creates or replaces each document of the YAML, all or nothing. */
  apply(yaml: string, options: ChangeOptions & { dryRun?: boolean } = {}): PolicyApplyResult {
    const { next, incoming } = this.#merge(yaml);
    const names = incoming.map((d) => describePolicyRef(policyRefOf(d)));
    const summary = `apply ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
    return this.#change(
      next,
      incoming,
      { author: options.author ?? LOCAL_AUTHOR, action: 'apply', summary },
      options.dryRun ?? false,
      options.fromCluster,
    );
  }

  /**
   * What applying `yaml` would do, without storing anything: the live documents, the
   * documents after, and the dry-run result (its errors are those `apply` would refuse).
   * A YAML that does not parse throws `WEFT_INVALID_INPUT`, as `apply` does.
   */
  preview(yaml: string): {
    live: readonly PolicyDocument[];
    next: PolicyDocument[];
    result: PolicyApplyResult;
  } {
    const live = this.#store.documents;
    const { next, incoming } = this.#merge(yaml);
    const result = this.#change(next, incoming, { author: LOCAL_AUTHOR, action: 'apply', summary: '' }, true);
    return { live, next, result };
  }

  /** The plans any set of documents compiles to against the platform as it is now (the live set: cached). */
  plansFor(documents: readonly PolicyDocument[]): CompiledPlans {
    if (documents === this.#store.documents) return this.#plans();
    return compilePlans(documents, this.#store.revision, this.#platform, this.#authzSettings);
  }

  #find(ref: PolicyRefInput): PolicyDocument {
    return findDocument(this.#store.documents, ref);
  }

  /** `policies.delete`: a new revision without that document. */
  delete(
    ref: PolicyRefInput,
    author = LOCAL_AUTHOR,
    options: { fromCluster?: boolean } = {},
  ): PolicyApplyResult {
    const doc = this.#find(ref);
    const key = policyKey(policyRefOf(doc));
    const next = this.#store.documents.filter((d) => policyKey(policyRefOf(d)) !== key);
    return this.#change(
      next,
      [],
      { author, action: 'delete', summary: `delete ${describePolicyRef(policyRefOf(doc))}` },
      false,
      options.fromCluster,
    );
  }

  /** `policies.rollback`: a new revision whose documents are those of `revision`. */
  rollback(revision: number, author = LOCAL_AUTHOR): PolicyApplyResult {
    const target = this.#store.get(revision);
    return this.#change(
      [...target.items],
      target.items,
      { author, action: 'rollback', summary: `rollback to ${revision}` },
      false,
    );
  }

  // === reads ===

  list(namespace?: string): PolicyListItem[] {
    const documents = this.#store.documents;
    const issues = validatePolicies(documents, this.#platform.listServices(), this.#platform.listWorkloads());
    return documents
      .filter((d) => namespace === undefined || d.metadata.namespace === namespace)
      .map((document) => ({ document, status: statusOf(document, issues) }));
  }

  get(ref: PolicyRefInput): PolicyListItem {
    const document = this.#find(ref);
    return {
      document,
      status: statusOf(
        document,
        validatePolicies(
          this.#store.documents,
          this.#platform.listServices(),
          this.#platform.listWorkloads(),
        ),
      ),
    };
  }

  revisions(): PolicyRevisionSummary[] {
    return this.#store.revisions();
  }

  revisionDetail(revision: number): PolicyRevision {
    return this.#store.get(revision);
  }

  /** The revision before `revision` when it is still kept (revision 0 is the empty set before any). */
  previousRevision(revision: number): Pick<PolicyRevision, 'revision' | 'items'> | undefined {
    if (revision <= 1) return { revision: 0, items: [] };
    return this.#store.find(revision - 1);
  }

  // === what proxies receive ===

  /** The outbound policy for `authority` (a Service by name or virtual address; none otherwise). */
  outbound(authority: string): OutboundPolicy {
    return outboundPolicyOf(this.#plans(), this.#platform, authority);
  }

  /** The inbound policy of one of a workload's own ports. */
  inbound(workload: { namespace: string; name: string }, port: number): InboundPolicy {
    return inboundPolicyOf(this.#plans(), this.#platform, workload, port);
  }

  #update(input: PolicyWatchInput): PolicyUpdate {
    if ('authority' in input) return { kind: 'outbound', policy: this.outbound(input.authority) };
    return { kind: 'inbound', policy: this.inbound(input.workload, input.port) };
  }

  /** The current policy, then again after every new revision or change of content, until `signal` aborts. */
  async *watch(input: PolicyWatchInput, signal?: AbortSignal): AsyncGenerator<PolicyUpdate> {
    if (this.#streams.size >= MAX_POLICY_STREAMS)
      throw new MeshError(ErrorCode.unavailable, `too many policy streams (at most ${MAX_POLICY_STREAMS})`);
    const wake = new ChangeSignal();
    const stream: Stream = { sent: -1 };
    this.#subscribers.add(wake);
    this.#streams.add(stream);
    try {
      let last = '';
      while (!signal?.aborted) {
        const update = this.#update(input);
        const text = JSON.stringify(update);
        if (update.policy.revision !== stream.sent || text !== last) {
          last = text;
          stream.sent = update.policy.revision;
          yield update;
        }
        await wake.wait(signal);
      }
    } finally {
      this.#subscribers.delete(wake);
      this.#streams.delete(stream);
    }
  }

  /** `policies.propagation`: which proxies report which revision, and what the open streams were sent. */
  async propagation(revision?: number): Promise<PolicyPropagation> {
    const target = revision ?? this.#store.revision;
    const proxies = await readProxyRevisions(this.#platform.listPods(), this.#readMetrics);
    const streams = [...this.#streams];
    return {
      revision: target,
      applied: proxies.filter((p) => p.revision !== null && p.revision >= target).length,
      total: proxies.length,
      streams: { open: streams.length, sent: streams.filter((s) => s.sent >= target).length },
      proxies,
    };
  }
}

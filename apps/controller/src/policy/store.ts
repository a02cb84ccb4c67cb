/**
 * The policy store: every change (apply, delete, rollback) is one revision with a
 * monotonic number, the time, its author and the full set of documents after it. Kept
 * in the state directory under the key `policies` with the platform state's crash
 * safety (temporary file, fsync, rename), so a restart finds the last revision and a
 * crash mid-write leaves the previous one. The newest revisions are kept (at most
 * `maxRevisions`); the live one always is.
 */
import {
  ErrorCode,
  MeshError,
  type PolicyDocument,
  PolicyRevision,
  type PolicyRevisionSummary,
  policyKey,
  policyRefOf,
} from '@weft/shared';
import { z } from 'zod';
import type { DocumentState } from '../state/store.ts';

export const POLICY_STATE_KEY = 'policies';
export const DEFAULT_MAX_REVISIONS = 100;

const StoredPolicies = z.object({ revisions: z.array(PolicyRevision) });

export interface CommitInfo {
  author: string;
  action: PolicyRevision['action'];
  summary: string;
}

export class PolicyStore {
  readonly #state: DocumentState;
  readonly #max: number;
  #revisions: PolicyRevision[];

  readonly #maxBytes: number | undefined;

  /** `maxBytes`: the stored history is trimmed (oldest first, never the live revision) to fit. */
  constructor(state: DocumentState, maxRevisions = DEFAULT_MAX_REVISIONS, maxBytes?: number) {
    this.#state = state;
    this.#max = Math.max(1, maxRevisions);
    this.#maxBytes = maxBytes;
    this.#revisions = state.load(POLICY_STATE_KEY, StoredPolicies)?.revisions ?? [];
  }

  /** Takes the stored history again (another replica wrote it); whether it changed. */
  reload(): boolean {
    const stored = this.#state.load(POLICY_STATE_KEY, StoredPolicies)?.revisions;
    if (!stored || JSON.stringify(stored) === JSON.stringify(this.#revisions)) return false;
    this.#revisions = stored;
    return true;
  }

  /** The live revision number (0 before the first change). */
  get revision(): number {
    return this.#revisions.at(-1)?.revision ?? 0;
  }

  /** The live documents. */
  get documents(): readonly PolicyDocument[] {
    return this.#revisions.at(-1)?.items ?? [];
  }

  get empty(): boolean {
    return this.#revisions.length === 0;
  }

  /** Newest first. */
  revisions(): PolicyRevisionSummary[] {
    return this.#revisions.map(({ items: _, ...summary }) => summary).reverse();
  }

  /** One kept revision, or undefined. */
  find(revision: number): PolicyRevision | undefined {
    return this.#revisions.find((r) => r.revision === revision);
  }

  /** One kept revision; `WEFT_NOT_FOUND` when it never existed or was pruned. */
  get(revision: number): PolicyRevision {
    const found = this.find(revision);
    if (found) return found;
    const oldest = this.#revisions[0]?.revision;
    throw new MeshError(
      ErrorCode.notFound,
      revision > this.revision || oldest === undefined
        ? `policy revision ${revision} not found (the live revision is ${this.revision})`
        : `policy revision ${revision} not found (revisions before ${oldest} are no longer kept)`,
    );
  }

  /**
   * Stamps each document's `creationTimestamp` (kept from the live set, else now), so
   * that route precedence by age is stable across updates.
   */
  stamp(documents: readonly PolicyDocument[], now: string): PolicyDocument[] {
    const live = new Map(this.documents.map((d) => [policyKey(policyRefOf(d)), d]));
    return documents.map((d) => {
      const created = live.get(policyKey(policyRefOf(d)))?.metadata.creationTimestamp ?? now;
      return { ...d, metadata: { ...d.metadata, creationTimestamp: created } } as PolicyDocument;
    });
  }

  /** Stores `documents` as the next revision, durably, or throws and changes nothing. */
  commit(documents: readonly PolicyDocument[], info: CommitInfo, now = new Date()): PolicyRevision {
    const next: PolicyRevision = {
      revision: this.revision + 1,
      at: now.toISOString(),
      author: info.author,
      action: info.action,
      summary: info.summary,
      documents: documents.length,
      items: [...documents],
    };
    let kept = [...this.#revisions, next].slice(-this.#max);
    if (this.#maxBytes !== undefined)
      while (kept.length > 1 && Buffer.byteLength(JSON.stringify({ revisions: kept })) > this.#maxBytes)
        kept = kept.slice(1);
    this.#state.save(POLICY_STATE_KEY, { revisions: kept });
    this.#revisions = kept;
    return next;
  }
}

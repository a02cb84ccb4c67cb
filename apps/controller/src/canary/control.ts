/**
 * What the `canaries.*` procedures call: start, list, get, abort and watch canaries. The
 * controller's canary runner (runner.ts) implements it.
 */
import type { Canary, CanaryStartInput, CanarySummary } from '@weft/shared';
import type { z } from 'zod';

/** The parsed (defaulted) `canaries.start` input. */
export type CanaryStart = z.output<typeof CanaryStartInput>;

export interface CanaryControl {
  /** Starts a canary (its first step is applied before this returns); `WEFT_CONFLICT` when one runs on the same Service. */
  start(input: CanaryStart, author: string): Promise<Canary>;
  /** Newest first, without timelines. */
  list(namespace?: string): CanarySummary[];
  /** One canary with its timeline; `WEFT_NOT_FOUND` when unknown. */
  get(id: string): Canary;
  /** Stops a running canary and sends all traffic back to stable; `WEFT_CONFLICT` when it already ended. */
  abort(id: string, author: string): Promise<Canary>;
  /** Calls `listener` after every change of any canary, until the returned function is called. */
  subscribe(listener: () => void): () => void;
}

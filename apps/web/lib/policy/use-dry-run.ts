'use client';
import { TRPCClientError } from '@trpc/client';
/**
 * Validation as you type, by the controller: `policies.applyYaml` with `dryRun` on the
 * editor's text, once typing pauses (debounced), the answer to an older text dropped.
 * A dry run that finds problems comes back either as its `errors` or, for YAML or
 * schema problems, as one refusal message; both become placed problems.
 */
import type { PolicyDiffEntry } from '@weft/shared';
import { useEffect, useRef, useState } from 'react';
import { useTRPCClient } from '../trpc/client.ts';
import { describeError } from '../trpc/errors.ts';
import { type ControllerIssue, issuesFromMessage, issuesFromResult } from './controller-issues.ts';

/** How long typing must pause before the controller is asked. */
export const DRY_RUN_DEBOUNCE_MS = 350;

export interface DryRun {
  status: 'idle' | 'checking' | 'valid' | 'invalid' | 'failed';
  /** The text this verdict is about. */
  text: string;
  issues: ControllerIssue[];
  diff: PolicyDiffEntry[];
  /** The revision an apply would create. */
  revision?: number;
  /** Why the check itself failed (controller unreachable, not allowed). */
  failure?: string;
}

/** Whether an API error is the controller refusing the YAML (rather than failing to answer). */
export function isRefusal(err: unknown): err is TRPCClientError<never> {
  return err instanceof TRPCClientError && err.data?.code === 'BAD_REQUEST';
}

export function useDryRun(text: string, enabled: boolean): DryRun {
  const client = useTRPCClient();
  const [state, setState] = useState<DryRun>({ status: 'idle', text: '', issues: [], diff: [] });
  const latest = useRef(text);
  latest.current = text;
  useEffect(() => {
    if (!enabled) return;
    setState((s) => ({ ...s, status: 'checking' }));
    const timer = setTimeout(() => {
      client.policies.applyYaml
        .mutate({ yaml: text, dryRun: true })
        .then((r) => {
          if (latest.current !== text) return;
          setState({
            status: r.valid ? 'valid' : 'invalid',
            text,
            issues: issuesFromResult(r.errors),
            diff: r.diff,
            revision: r.revision,
          });
        })
        .catch((err: unknown) => {
          if (latest.current !== text) return;
          if (isRefusal(err))
            setState({ status: 'invalid', text, issues: issuesFromMessage(err.message), diff: [] });
          else setState({ status: 'failed', text, issues: [], diff: [], failure: describeError(err) });
        });
    }, DRY_RUN_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [client, text, enabled]);
  return state;
}

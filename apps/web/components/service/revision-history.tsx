'use client';
/**
 * Policy history: every revision with its time, author and what it did, its diff to the
 * revision before on demand, and (for admins) a rollback that first shows what would
 * change from the live policy and asks for confirmation.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PolicyRevisionSummary } from '@weft/shared';
import { useId, useState } from 'react';
import { type DocumentDiff, diffDocuments } from '../../lib/policy/revision-diff.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { QueryState } from '../query-state.tsx';
import { ChangeSentences } from './before-apply.tsx';

function DiffView({ diffs, label }: { diffs: DocumentDiff[]; label: string }) {
  if (diffs.length === 0) return <p className="state-empty">No document changes.</p>;
  return (
    <section aria-label={label}>
      {diffs.map((d) => (
        <div key={d.key}>
          <p className="diff-title">
            {d.change} {d.title}
          </p>
          <pre className="diff">
            {d.lines.map((l, i) => (
              <div
                // Lines of one diff are known by position.
                // biome-ignore lint/suspicious/noArrayIndexKey: a diff line is known by its index
                key={i}
                className={`diff-line ${l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : l.op === '@' ? 'diff-hunk' : ''}`}
              >
                {l.op === '@' ? l.text : `${l.op} ${l.text}`}
              </div>
            ))}
          </pre>
        </div>
      ))}
    </section>
  );
}

/** The diff between two revisions (`from` may be -1: nothing before). */
function useRevisionDiff(from: number, to: number, enabled: boolean) {
  const trpc = useTRPC();
  const a = useQuery({
    ...trpc.policies.revision.queryOptions({ revision: Math.max(0, from) }),
    enabled: enabled && from >= 0,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const b = useQuery({
    ...trpc.policies.revision.queryOptions({ revision: to }),
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const ready = b.data && (from < 0 || a.data);
  return {
    query: from >= 0 && a.isError ? a : b,
    diffs: ready ? diffDocuments(a.data?.items ?? [], b.data?.items ?? []) : undefined,
  };
}

/** A revision's change in words, against the one before it. */
function RevisionWords({ revision }: { revision: number }) {
  const trpc = useTRPC();
  const words = useQuery({
    ...trpc.policies.describeRevision.queryOptions({ revision }),
    enabled: revision >= 1,
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (revision < 1) return null;
  return (
    <QueryState query={words} what={`revision ${revision} in words`}>
      {words.data && <ChangeSentences sentences={words.data.sentences} />}
    </QueryState>
  );
}

function RevisionRow({
  rev,
  previous,
  live,
  admin,
}: {
  rev: PolicyRevisionSummary;
  previous: number;
  live: number;
  admin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<'diff' | 'rollback' | null>(null);
  const diffId = useId();
  const shown = useRevisionDiff(open === 'rollback' ? live : previous, rev.revision, open !== null);
  const rollback = useMutation(
    trpc.policies.rollback.mutationOptions({
      onSuccess: () => {
        setOpen(null);
        void queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
      },
    }),
  );
  const isLive = rev.revision === live;
  return (
    <>
      <tr>
        <th scope="row" className="num">
          {rev.revision}
          {isLive && <span className="badge badge-muted">live</span>}
        </th>
        <td className="small">{new Date(rev.at).toLocaleString()}</td>
        <td>{rev.author}</td>
        <td>{rev.summary}</td>
        <td className="action-cell">
          <button
            type="button"
            className="button"
            aria-expanded={open === 'diff'}
            aria-controls={diffId}
            onClick={() => setOpen(open === 'diff' ? null : 'diff')}
          >
            {open === 'diff' ? 'Hide diff' : 'Diff'}
          </button>{' '}
          {admin && !isLive && (
            <button
              type="button"
              className="button"
              aria-expanded={open === 'rollback'}
              aria-controls={diffId}
              onClick={() => setOpen(open === 'rollback' ? null : 'rollback')}
            >
              Roll back to {rev.revision}
            </button>
          )}
        </td>
      </tr>
      {open !== null && (
        <tr>
          <td colSpan={5} id={diffId}>
            <QueryState query={shown.query} what={`revision ${rev.revision}`}>
              {shown.diffs && (
                <>
                  {open === 'diff' && <RevisionWords revision={rev.revision} />}
                  <DiffView
                    diffs={shown.diffs}
                    label={
                      open === 'rollback'
                        ? `Changes a rollback to revision ${rev.revision} makes`
                        : `Changes of revision ${rev.revision}`
                    }
                  />
                  {open === 'rollback' && (
                    <fieldset className="confirm-box">
                      <legend>Roll back to revision {rev.revision}?</legend>
                      <p>
                        Roll back to revision {rev.revision}? This makes a new revision with the documents of
                        revision {rev.revision}, changing the live policy as shown above.
                      </p>
                      <button
                        type="button"
                        className="button danger"
                        disabled={rollback.isPending}
                        onClick={() => rollback.mutate({ revision: rev.revision })}
                      >
                        Confirm rollback to {rev.revision}
                      </button>{' '}
                      <button type="button" className="button" onClick={() => setOpen(null)}>
                        Cancel
                      </button>
                      {rollback.isError && (
                        <p className="state-error" role="alert">
                          Rollback failed: {describeError(rollback.error)}
                        </p>
                      )}
                    </fieldset>
                  )}
                </>
              )}
            </QueryState>
          </td>
        </tr>
      )}
    </>
  );
}

export function RevisionHistory({ admin }: { admin: boolean }) {
  const trpc = useTRPC();
  const revisions = useQuery({ ...trpc.policies.revisions.queryOptions(), refetchInterval: 5_000 });
  const list = [...(revisions.data ?? [])].sort((a, b) => b.revision - a.revision);
  const live = list[0]?.revision ?? 0;
  return (
    <QueryState query={revisions} what="policy history">
      {list.length === 0 ? (
        <p className="state-empty">No policy has been applied yet.</p>
      ) : (
        <table className="table" aria-label="Policy revisions">
          <thead>
            <tr>
              <th scope="col" className="num">
                Revision
              </th>
              <th scope="col">Time</th>
              <th scope="col">Author</th>
              <th scope="col">Change</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((rev, i) => (
              <RevisionRow
                key={rev.revision}
                rev={rev}
                previous={list[i + 1]?.revision ?? -1}
                live={live}
                admin={admin}
              />
            ))}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}

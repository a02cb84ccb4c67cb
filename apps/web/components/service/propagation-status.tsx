'use client';
/**
 * Propagation of an applied revision, live: how many proxies report it out of every
 * proxy in the mesh (each one takes every revision). Ends "applied" when all do, or,
 * after 10 s, names the proxies that have not taken it.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';

/** How long proxies get to take a revision before the page names the late ones. */
export const PROPAGATION_DEADLINE_MS = 10_000;
const POLL_MS = 500;

export function PropagationStatus({ revision, startedAt }: { revision: number; startedAt: number }) {
  const trpc = useTRPC();
  const [now, setNow] = useState(() => Date.now());
  const late = now - startedAt > PROPAGATION_DEADLINE_MS;
  const q = useQuery({
    ...trpc.policies.propagation.queryOptions({ revision }),
    refetchInterval: (query) => {
      const d = query.state.data;
      return (d && d.applied >= d.total) || Date.now() - startedAt > PROPAGATION_DEADLINE_MS
        ? false
        : POLL_MS;
    },
  });
  const done = q.data !== undefined && q.data.applied >= q.data.total;
  useEffect(() => {
    if (done || late) return;
    const t = setInterval(() => setNow(Date.now()), POLL_MS);
    return () => clearInterval(t);
  }, [done, late]);

  let text: string;
  let tone = '';
  if (!q.data)
    text = q.isError
      ? `Revision ${revision} is stored; its propagation cannot be read: ${describeError(q.error)}`
      : `Revision ${revision} is stored; reading which proxies run it…`;
  else if (done) {
    tone = 'done';
    text =
      q.data.total === 0
        ? `Applied: revision ${revision} is stored; no meshed proxy runs yet.`
        : `Applied: all ${q.data.total} proxies run revision ${revision}.`;
  } else if (late) {
    tone = 'late';
    const behind = q.data.proxies.filter((p) => p.revision === null || p.revision < revision);
    text = `Not applied within ${PROPAGATION_DEADLINE_MS / 1000} s: ${q.data.applied} of ${q.data.total} proxies run revision ${revision}. Not yet: ${behind
      .map(
        (p) =>
          `${p.namespace}/${p.pod} (${p.revision === null ? (p.error ?? 'revision unknown') : `on ${p.revision}`})`,
      )
      .join(', ')}.`;
  } else text = `Propagating revision ${revision}: ${q.data.applied} of ${q.data.total} proxies run it.`;

  return (
    <p className={`propagation ${tone}`} role="status" aria-label="Propagation">
      {text}
    </p>
  );
}

'use client';
/**
 * The last lines a pod wrote, refreshed with the page (unless not `live`: a stopped pod's);
 * admins only (output can hold secrets).
 */
import { useQuery } from '@tanstack/react-query';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { useWhoAmI } from '../../lib/use-role.ts';

const LINES = 6;

export function PodLogs({ namespace, pod, live = true }: { namespace: string; pod: string; live?: boolean }) {
  const trpc = useTRPC();
  const { interval } = useLiveRefresh();
  const me = useWhoAmI();
  const isAdmin = me?.role === 'admin';
  const logs = useQuery({
    ...trpc.pods.logs.queryOptions({ namespace, name: pod, lines: LINES }),
    refetchInterval: live ? interval : false,
    // A viewer may not read logs: the API would refuse, so the page does not ask.
    enabled: isAdmin,
  });
  if (me !== undefined && !isAdmin) return <span className="muted small">Output needs the admin role</span>;
  if (logs.isPending) return <span className="muted small">Loading output…</span>;
  if (logs.isError) return <span className="state-error small">{describeError(logs.error)}</span>;
  if (logs.data.lines.length === 0) return <span className="muted small">No output yet</span>;
  return (
    <pre className="logs" role="log" aria-label={`Last output of ${pod}`}>
      {logs.data.lines.join('\n')}
    </pre>
  );
}

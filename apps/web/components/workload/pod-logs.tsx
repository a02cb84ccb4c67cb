'use client';
/** The last lines a pod wrote, refreshed with the page. */
import { useQuery } from '@tanstack/react-query';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';

const LINES = 6;

export function PodLogs({ namespace, pod }: { namespace: string; pod: string }) {
  const trpc = useTRPC();
  const { interval } = useLiveRefresh();
  const logs = useQuery({
    ...trpc.pods.logs.queryOptions({ namespace, name: pod, lines: LINES }),
    refetchInterval: interval,
  });
  if (logs.isPending) return <span className="muted small">Loading output…</span>;
  if (logs.isError) return <span className="state-error small">{describeError(logs.error)}</span>;
  if (logs.data.lines.length === 0) return <span className="muted small">No output yet</span>;
  return (
    <pre className="logs" role="log" aria-label={`Last output of ${pod}`}>
      {logs.data.lines.join('\n')}
    </pre>
  );
}

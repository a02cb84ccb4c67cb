'use client';
/**
 * A workload's stopped pods whose output is still kept (the local platform keeps the last
 * few of each): when each stopped, and its last output lines, to see why it stopped.
 */
import { useQuery } from '@tanstack/react-query';
import { formatAge } from '../../lib/format.ts';
import { useLiveRefresh } from '../../lib/live-refresh.tsx';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { PodLogs } from './pod-logs.tsx';

export function StoppedPods({ namespace, workload }: { namespace: string; workload: string }) {
  const trpc = useTRPC();
  const { interval } = useLiveRefresh();
  const stopped = useQuery({
    ...trpc.pods.stopped.queryOptions({ namespace, workload }),
    refetchInterval: interval,
  });
  if (stopped.isError) return <p className="state-error small">{describeError(stopped.error)}</p>;
  if (!stopped.data || stopped.data.length === 0) return null;
  return (
    <>
      <h3>Stopped pods</h3>
      <table className="table pods" aria-label="Stopped pods">
        <thead>
          <tr>
            <th scope="col">Pod</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Stopped
            </th>
            <th scope="col">Last output</th>
          </tr>
        </thead>
        <tbody>
          {stopped.data.map((p) => (
            <tr key={p.name}>
              <th scope="row" className="mono small">
                {p.name}
              </th>
              <td>
                <span className="pill health-idle">Stopped</span>
              </td>
              <td className="num">{formatAge(p.stoppedAt)} ago</td>
              <td className="logs-cell">
                {/* a stopped pod writes no more: read once */}
                <PodLogs namespace={p.namespace} pod={p.name} live={false} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

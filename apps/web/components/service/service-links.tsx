'use client';
/** Links to the Service pages of the Services that select one workload (for the workload page and the topology). */
import { useQuery } from '@tanstack/react-query';
import { serviceSelects } from '@weft/shared';
import Link from 'next/link';
import { useTimeWindow, withWindow } from '../../lib/time-window.ts';
import { useTRPC } from '../../lib/trpc/client.ts';

export function ServiceLinks({ namespace, workload }: { namespace: string; workload: string }) {
  const trpc = useTRPC();
  const [window] = useTimeWindow();
  const services = useQuery({ ...trpc.services.list.queryOptions({ namespace }), staleTime: 30_000 });
  const workloads = useQuery({ ...trpc.workloads.list.queryOptions({ namespace }), staleTime: 30_000 });
  const labels = workloads.data?.find((w) => w.name === workload)?.labels;
  const selecting = labels ? (services.data ?? []).filter((s) => serviceSelects(s.selector, labels)) : [];
  if (selecting.length === 0) return null;
  return (
    <p className="small">
      <span className="muted">Service{selecting.length > 1 ? 's' : ''}: </span>
      {selecting.map((s, i) => (
        <span key={s.name}>
          {i > 0 && ', '}
          <Link
            href={withWindow(`/services/${namespace}/${s.name}`, window)}
            aria-label={`Service ${s.name}: routes and policy`}
          >
            {s.name}
          </Link>
        </span>
      ))}
    </p>
  );
}

'use client';
/**
 * Which workloads of the topology take part in a running canary (the workloads behind
 * its stable and canary Services), so their nodes wear a badge. Given through context
 * by the topology page; empty elsewhere (the benchmark page).
 */
import { useQuery } from '@tanstack/react-query';
import { serviceSelects } from '@weft/shared';
import { createContext, type ReactNode, useMemo } from 'react';
import { nodeId } from '../../lib/topology/graph.ts';
import { useTRPC } from '../../lib/trpc/client.ts';

const NONE: ReadonlySet<string> = new Set();
export const CanaryWorkloads = createContext<ReadonlySet<string>>(NONE);

const POLL_MS = 5_000;

export function CanaryMarksProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const canaries = useQuery({
    ...trpc.canaries.list.queryOptions({}),
    refetchInterval: POLL_MS,
    retry: false,
  });
  const running = (canaries.data ?? []).filter((c) => c.phase === 'running');
  const any = running.length > 0;
  const services = useQuery({ ...trpc.services.list.queryOptions({}), enabled: any });
  const workloads = useQuery({ ...trpc.workloads.list.queryOptions({}), enabled: any });
  const key = running.map((c) => `${c.namespace}/${c.stable}/${c.canary}`).join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the running canaries.
  const marked = useMemo(() => {
    if (!any || !services.data || !workloads.data) return NONE;
    const ids = new Set<string>();
    for (const c of running)
      for (const svc of services.data)
        if (svc.namespace === c.namespace && (svc.name === c.stable || svc.name === c.canary))
          for (const w of workloads.data)
            if (w.namespace === c.namespace && serviceSelects(svc.selector, w.labels)) ids.add(nodeId(w));
    return ids;
  }, [key, any, services.data, workloads.data]);
  return <CanaryWorkloads.Provider value={marked}>{children}</CanaryWorkloads.Provider>;
}

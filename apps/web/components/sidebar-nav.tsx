'use client';
/** The dashboard's navigation: overview, topology, and every namespace. */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useLiveRefresh } from '../lib/live-refresh.tsx';
import { useTimeWindow, withWindow } from '../lib/time-window.ts';
import { useTRPC } from '../lib/trpc/client.ts';

export function SidebarNav() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const namespaces = useQuery({ ...trpc.namespaces.list.queryOptions(), refetchInterval: interval });
  const item = (href: string, label: string) => {
    const active = href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
    return (
      <li key={href}>
        <Link href={withWindow(href, window)} aria-current={active ? 'page' : undefined}>
          {label}
        </Link>
      </li>
    );
  };
  return (
    <nav className="sidebar" aria-label="Main">
      <Link href={withWindow('/', window)} className="brand" aria-label="Weft home">
        <span className="brand-mark" aria-hidden="true">
          ◇
        </span>
        Weft
      </Link>
      <ul>
        {item('/', 'Overview')}
        {item('/topology', 'Topology')}
      </ul>
      <h2 className="sidebar-heading">Namespaces</h2>
      <ul>
        {namespaces.data?.map((ns) => item(`/namespaces/${ns.name}`, ns.name))}
        {namespaces.isPending && !namespaces.isError && <li className="muted small">Loading…</li>}
        {namespaces.isError && namespaces.data === undefined && <li className="muted small">Unavailable</li>}
      </ul>
    </nav>
  );
}

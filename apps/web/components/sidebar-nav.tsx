'use client';
/** The dashboard's navigation: overview, topology, health, identity, and every namespace. */
import { useQuery } from '@tanstack/react-query';
import { Activity, Folder, HeartPulse, KeyRound, LayoutDashboard, Network, Waypoints } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { useLiveRefresh } from '../lib/live-refresh.tsx';
import { useTimeWindow, withWindow } from '../lib/time-window.ts';
import { useTRPC } from '../lib/trpc/client.ts';
import { SessionStatus } from './session-status.tsx';

export function SidebarNav() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const [window] = useTimeWindow();
  const { interval } = useLiveRefresh();
  const namespaces = useQuery({ ...trpc.namespaces.list.queryOptions(), refetchInterval: interval });
  const item = (href: string, label: string, icon: ReactNode) => {
    const active = href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
    return (
      <li key={href}>
        <Link href={withWindow(href, window)} aria-current={active ? 'page' : undefined}>
          {icon}
          {label}
        </Link>
      </li>
    );
  };
  return (
    <div className="sidebar-column">
      <nav className="sidebar" aria-label="Main">
        <Link href={withWindow('/', window)} className="brand" aria-label="Weft home">
          <Waypoints className="brand-mark" size={20} aria-hidden="true" focusable="false" />
          Weft
        </Link>
        <ul>
          {item('/', 'Overview', <LayoutDashboard className="nav-icon" size={16} aria-hidden="true" />)}
          {item('/topology', 'Topology', <Network className="nav-icon" size={16} aria-hidden="true" />)}
          {item('/tap', 'Tap', <Activity className="nav-icon" size={16} aria-hidden="true" />)}
          {item('/health', 'Health', <HeartPulse className="nav-icon" size={16} aria-hidden="true" />)}
          {item('/identity', 'Identity', <KeyRound className="nav-icon" size={16} aria-hidden="true" />)}
        </ul>
        <h2 className="sidebar-heading">Namespaces</h2>
        <ul>
          {namespaces.data?.map((ns) =>
            item(
              `/namespaces/${ns.name}`,
              ns.name,
              <Folder className="nav-icon" size={16} aria-hidden="true" />,
            ),
          )}
          {namespaces.isPending && !namespaces.isError && <li className="sidebar-note small">Loading…</li>}
          {namespaces.isError && namespaces.data === undefined && (
            <li className="sidebar-note small">Unavailable</li>
          )}
        </ul>
        <SessionStatus />
      </nav>
    </div>
  );
}

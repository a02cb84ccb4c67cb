// The dashboard's root layout: providers, navigation, the connection and certificate expiry banners, the page.
import '@xyflow/react/dist/style.css';
import './globals.css';
import './styles/shell.css';
import './styles/controls.css';
import './styles/content.css';
import './styles/charts.css';
import './styles/octopus.css';
import './styles/topology.css';
import './styles/access.css';
import './styles/session.css';
import './styles/tap.css';
import './policy.css';
import type { Metadata } from 'next';
import { type ReactNode, Suspense } from 'react';
import { ConnectionBanner } from '../components/connection-banner.tsx';
import { ExpiryBanner } from '../components/identity/expiry-banner.tsx';
import { SidebarNav } from '../components/sidebar-nav.tsx';
import { LiveRefreshProvider } from '../lib/live-refresh.tsx';
import { TrpcQueryProvider } from '../lib/trpc/provider.tsx';

export const metadata: Metadata = {
  title: 'Weft',
  description: 'Weft service mesh dashboard',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TrpcQueryProvider>
          <LiveRefreshProvider>
            <Suspense>
              <div className="shell">
                <SidebarNav />
                <div className="main-column">
                  <ConnectionBanner />
                  <ExpiryBanner />
                  <main className="content">{children}</main>
                </div>
              </div>
            </Suspense>
          </LiveRefreshProvider>
        </TrpcQueryProvider>
      </body>
    </html>
  );
}

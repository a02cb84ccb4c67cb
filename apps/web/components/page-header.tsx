/** A page's title row: breadcrumb, title, and the controls on the right. */
import type { ReactNode } from 'react';

export function PageHeader({
  title,
  crumbs,
  children,
}: {
  title: ReactNode;
  crumbs?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        {crumbs && (
          <nav aria-label="Breadcrumb" className="crumbs">
            {crumbs}
          </nav>
        )}
        <h1>{title}</h1>
      </div>
      {children && <div className="page-header-controls">{children}</div>}
    </header>
  );
}

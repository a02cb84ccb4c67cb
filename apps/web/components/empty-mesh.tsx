/** The empty state: nothing meshed yet, and what to click to change that. */
import Link from 'next/link';

export function EmptyMesh({ namespaceHref }: { namespaceHref: string | null }) {
  return (
    <section className="empty-callout" aria-label="Nothing meshed yet">
      <h2>Nothing is meshed yet</h2>
      <p>
        Workloads run without a proxy until they are meshed. Open a namespace and click <strong>Mesh</strong>{' '}
        on a workload: its pods restart with a proxy beside them, and golden metrics, the topology and mTLS
        follow within seconds.
      </p>
      {namespaceHref && (
        <Link className="button primary" href={namespaceHref}>
          Open a namespace
        </Link>
      )}
    </section>
  );
}

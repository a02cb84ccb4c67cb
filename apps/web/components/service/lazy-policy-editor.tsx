'use client';
/** The policy editor, loaded only when the Service page shows it, so the page stays quick. */
import dynamic from 'next/dynamic';

export const LazyPolicyEditor = dynamic(() => import('./policy-editor.tsx'), {
  ssr: false,
  loading: () => (
    <p className="state-loading" role="status">
      Loading the editor…
    </p>
  ),
});

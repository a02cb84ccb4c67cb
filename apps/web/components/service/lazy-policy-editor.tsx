'use client';
/**
 * The policy editor, loaded only when the Service page shows it, so the page stays quick.
 * `preloadPolicyEditor` starts fetching its chunk while the page's queries are still out,
 * so the editor does not wait for the data and then for its code.
 */
import dynamic from 'next/dynamic';

const load = () => import('./policy-editor.tsx');

/** Starts loading the editor's code (CodeMirror included) without rendering it. */
export function preloadPolicyEditor(): void {
  void load();
}

export const LazyPolicyEditor = dynamic(load, {
  ssr: false,
  loading: () => (
    <p className="state-loading" role="status">
      Loading the editor…
    </p>
  ),
});

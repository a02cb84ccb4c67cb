'use client';
/**
 * The policy editor, loaded only when the Service page shows it, so the page stays quick.
 * `preloadPolicyEditor` starts fetching its chunk while the page's queries are still out,
 * so the editor does not wait for the data and then for its code.
 *
 * Once the code is in, the editor renders in the same pass as the rest of the page. It
 * does not go through Suspense (`next/dynamic`, `React.lazy`): React holds back content
 * that replaces a Suspense fallback for up to 300 ms, so the editor would appear well
 * after its code and data were both there.
 */
import { type ComponentProps, useEffect, useState } from 'react';
import type PolicyEditor from './policy-editor.tsx';

type Editor = typeof PolicyEditor;
type Loaded = { editor: Editor } | { error: string };

let loading: Promise<Loaded> | null = null;
let loaded: Loaded | null = null;

function load(): Promise<Loaded> {
  loading ??= import('./policy-editor.tsx').then(
    (m): Loaded => {
      loaded = { editor: m.default };
      return loaded;
    },
    (err: unknown): Loaded => {
      // Not kept: the next page that shows the editor tries again.
      loading = null;
      return { error: err instanceof Error ? err.message : String(err) };
    },
  );
  return loading;
}

/** Starts loading the editor's code (CodeMirror included) without rendering it. */
export function preloadPolicyEditor(): void {
  void load();
}

export function LazyPolicyEditor(props: ComponentProps<Editor>) {
  const [state, setState] = useState<Loaded | null>(loaded);
  useEffect(() => {
    if (state !== null) return;
    let live = true;
    void load().then((s) => {
      if (live) setState(s);
    });
    return () => {
      live = false;
    };
  }, [state]);
  if (state === null) {
    return (
      <p className="state-loading" role="status">
        Loading the editor…
      </p>
    );
  }
  if ('error' in state) {
    return (
      <p className="state-error" role="alert">
        The editor could not be loaded: {state.error}. Reload the page to try again.
      </p>
    );
  }
  const Editor = state.editor;
  return <Editor {...props} />;
}

'use client';
/**
 * The YAML view of the policy editor: CodeMirror 6 with YAML highlighting and the
 * controller's problems as error markers (gutter and underline; hover or F8 shows the
 * message). The markers are given, never computed here.
 */
import { yaml } from '@codemirror/lang-yaml';
import { type Diagnostic, lintGutter, setDiagnostics } from '@codemirror/lint';
import CodeMirror, { EditorView, type ReactCodeMirrorRef } from '@uiw/react-codemirror';
import { useEffect, useRef } from 'react';
import { useDarkScheme } from '../../lib/use-dark-scheme.ts';

const EXTENSIONS = [
  yaml(),
  lintGutter(),
  EditorView.lineWrapping,
  EditorView.contentAttributes.of({ 'aria-label': 'Policy YAML' }),
];
const SETUP = { foldGutter: false, autocompletion: false, searchKeymap: false } as const;

export default function YamlCodeEditor({
  value,
  onChange,
  diagnostics,
  readOnly,
}: {
  value: string;
  onChange: (text: string) => void;
  /** Markers for `value`; ranges past its end are clipped. */
  diagnostics: readonly Diagnostic[];
  readOnly: boolean;
}) {
  const ref = useRef<ReactCodeMirrorRef>(null);
  const dark = useDarkScheme();
  useEffect(() => {
    const view = ref.current?.view;
    if (!view) return;
    const length = view.state.doc.length;
    const clipped = diagnostics
      .map((d) => ({ ...d, from: Math.min(d.from, length), to: Math.min(Math.max(d.to, d.from), length) }))
      .filter((d) => d.from <= d.to);
    view.dispatch(setDiagnostics(view.state, clipped));
  }, [diagnostics]);
  return (
    <div className="yaml-editor">
      <CodeMirror
        ref={ref}
        value={value}
        onChange={onChange}
        extensions={EXTENSIONS}
        basicSetup={SETUP}
        readOnly={readOnly}
        editable={!readOnly}
        minHeight="240px"
        theme={dark ? 'dark' : 'light'}
      />
    </div>
  );
}

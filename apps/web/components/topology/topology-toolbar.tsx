'use client';
/** The topology's controls: namespace filter, workload search, focus and hop count. */
import { useState } from 'react';

export interface TopologyToolbarProps {
  namespaces: string[];
  namespace: string | null;
  onNamespace: (ns: string | null) => void;
  search: string;
  onSearch: (q: string) => void;
  /** Node ids matching the search. */
  matches: string[];
  onFocus: (id: string) => void;
  focus: string | null;
  onClearFocus: () => void;
  hops: number;
  maxHops: number;
  onHops: (hops: number) => void;
  counts: { nodes: number; edges: number };
}

const MAX_LISTED = 8;

export function TopologyToolbar(p: TopologyToolbarProps) {
  const [open, setOpen] = useState(false);
  const listed = p.matches.slice(0, MAX_LISTED);
  return (
    <div className="toolbar" role="toolbar" aria-label="Topology filters">
      <label className="field">
        <span>Namespace</span>
        <select
          aria-label="Namespace filter"
          value={p.namespace ?? ''}
          onChange={(e) => p.onNamespace(e.target.value === '' ? null : e.target.value)}
        >
          <option value="">All namespaces</option>
          {p.namespaces.map((ns) => (
            <option key={ns} value={ns}>
              {ns}
            </option>
          ))}
        </select>
      </label>
      <div className="field search-field">
        <span>Find</span>
        <input
          type="search"
          aria-label="Search workloads"
          placeholder="Workload name…"
          value={p.search}
          onChange={(e) => {
            p.onSearch(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={(e) => {
            const first = p.matches[0];
            if (e.key === 'Enter' && first) {
              p.onFocus(first);
              setOpen(false);
            }
            if (e.key === 'Escape') setOpen(false);
          }}
        />
        {open && p.search.trim() !== '' && (
          <ul className="search-results" aria-label="Matching workloads">
            {listed.length === 0 && <li className="muted">No workload matches “{p.search}”</li>}
            {listed.map((id) => (
              <li key={id}>
                <button
                  type="button"
                  className="search-result-button"
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => {
                    p.onFocus(id);
                    setOpen(false);
                  }}
                >
                  Focus {id}
                </button>
              </li>
            ))}
            {p.matches.length > MAX_LISTED && (
              <li className="muted">and {p.matches.length - MAX_LISTED} more (highlighted)</li>
            )}
          </ul>
        )}
      </div>
      <label className="field">
        <span>Hops</span>
        <select aria-label="Neighbour hops" value={p.hops} onChange={(e) => p.onHops(Number(e.target.value))}>
          {Array.from({ length: p.maxHops }, (_, i) => i + 1).map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </select>
      </label>
      {p.focus !== null && (
        <div className="chip">
          Focused on <strong>{p.focus}</strong>
          <button type="button" className="chip-close" aria-label="Clear focus" onClick={p.onClearFocus}>
            ×
          </button>
        </div>
      )}
      <div className="toolbar-spacer" />
      <output className="muted" aria-label="Graph size">
        {p.counts.nodes} workloads · {p.counts.edges} edges
      </output>
    </div>
  );
}

/** The Explain panel: one tapped request's story, section by section, in plain words. */
import { explainTap, type TapEvent } from '@weft/shared';
import { useEffect, useRef } from 'react';

export function ExplainPanel({ event, onClose }: { event: TapEvent; onClose: () => void }) {
  const sections = explainTap(event);
  const ref = useRef<HTMLElement>(null);
  // brought into view (it opens above the stream) and focused for keyboard users
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.focus();
  }, []);
  return (
    <section className="card explain" aria-label="Explanation" ref={ref} tabIndex={-1}>
      <div className="card-title-row">
        <h2>
          Why this request went where it went:{' '}
          <span className="mono small">{`${event.method} ${event.path}`}</span>
        </h2>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="explain-list">
        {sections.map((s) => (
          <div key={s.title} className="explain-item">
            <dt>{s.title}</dt>
            {s.lines.map((line) => (
              <dd key={line}>{line}</dd>
            ))}
          </div>
        ))}
      </dl>
    </section>
  );
}

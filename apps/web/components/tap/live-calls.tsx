/**
 * Live calls (top): the tapped requests grouped by method and path, busiest first. Rows
 * are keyed by rank: when two paths swap places, the rows' text changes in place rather
 * than rows moving about the page.
 */
import type { TapTopRow } from '@weft/shared';

function ms(v: number): string {
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

export function LiveCalls({ rows }: { rows: TapTopRow[] }) {
  if (rows.length === 0) return <p className="state-empty">No request seen yet.</p>;
  return (
    <table className="table" aria-label="Live calls">
      <thead>
        <tr>
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col" className="num">
            Count
          </th>
          <th scope="col" className="num">
            Best
          </th>
          <th scope="col" className="num">
            Worst
          </th>
          <th scope="col" className="num">
            Last
          </th>
          <th scope="col" className="num">
            Success rate
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.slice(0, 50).map((r, rank) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a row is a rank of the table, not a path
          <tr key={rank}>
            <td className="mono small">{r.method}</td>
            <th scope="row" className="mono small tap-path">
              {r.path}
            </th>
            <td className="num">{r.count}</td>
            <td className="num">{ms(r.bestMs)}</td>
            <td className="num">{ms(r.worstMs)}</td>
            <td className="num">{ms(r.lastMs)}</td>
            <td className="num">{((r.successes / r.count) * 100).toFixed(1)}%</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import type { TrendDay } from '../../../db/queries/console.ts';

/**
 * Synced vs blocked per day as an inline SVG bar chart: no chart library, no script, and colours from the stylesheet
 * (classes, not inline styles, so the CSP holds).
 */
export const TrendChart = (p: { days: TrendDay[] }) => {
  const width = 700;
  const height = 200;
  const pad = { left: 36, right: 8, top: 12, bottom: 28 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...p.days.flatMap((d) => [d.synced, d.blocked]));
  const step = innerW / Math.max(1, p.days.length);
  const barW = Math.max(2, Math.floor(step / 2) - 3);
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const ticks = max <= 4 ? Array.from({ length: max + 1 }, (_, i) => i) : [0, Math.round(max / 2), max];
  const totalSynced = p.days.reduce((s, d) => s + d.synced, 0);
  const totalBlocked = p.days.reduce((s, d) => s + d.blocked, 0);
  return (
    <figure class="trend">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Last ${p.days.length} days: ${totalSynced} records synced, ${totalBlocked} became blocked.`}
        class="trend-chart"
      >
        {ticks.map((t) => (
          <g>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} class="grid" />
            <text x={pad.left - 6} y={y(t) + 4} class="axis" text-anchor="end">
              {t}
            </text>
          </g>
        ))}
        {p.days.map((d, i) => {
          const x = pad.left + i * step + (step - 2 * barW - 2) / 2;
          return (
            <g>
              <rect x={x} y={y(d.synced)} width={barW} height={Math.max(0, pad.top + innerH - y(d.synced))} class="bar-synced">
                <title>{`${d.day}: ${d.synced} synced`}</title>
              </rect>
              <rect x={x + barW + 2} y={y(d.blocked)} width={barW} height={Math.max(0, pad.top + innerH - y(d.blocked))} class="bar-blocked">
                <title>{`${d.day}: ${d.blocked} blocked`}</title>
              </rect>
              {i % 2 === 0 || i === p.days.length - 1 ? (
                <text x={pad.left + i * step + step / 2} y={height - 8} class="axis" text-anchor="middle">
                  {d.day.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key key-synced">Synced or linked</span>
        <span class="key key-blocked">Became blocked</span>
        <span class="muted">per day (UTC), distinct records</span>
      </figcaption>
    </figure>
  );
};

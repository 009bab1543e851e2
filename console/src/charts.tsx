// Hand-made SVG charts (no chart library, nothing fetched): a donut, horizontal bars and stacked
// columns. Each has a text summary for screen readers and a legend people can read.

export interface Slice {
  label: string;
  value: number;
  tone: string;
}

function Legend({ slices }: { slices: Slice[] }) {
  return (
    <ul class="legend">
      {slices.map((s) => (
        <li key={s.label}>
          <span class={`swatch ${s.tone}`} aria-hidden="true" />
          {s.label}: <strong>{s.value}</strong>
        </li>
      ))}
    </ul>
  );
}

export function Donut({ slices, center, label }: { slices: Slice[]; center: string; label: string }) {
  const total = slices.reduce((a, s) => a + s.value, 0);
  const r = 40;
  const c = 2 * Math.PI * r;
  let offset = 0;
  const summary = `${label}: ${slices.map((s) => `${s.value} ${s.label}`).join(", ")}`;
  return (
    <figure class="chart donut">
      <svg viewBox="0 0 100 100" role="img" aria-label={summary}>
        <circle cx="50" cy="50" r={r} class="track" />
        {total > 0
          ? slices.map((s) => {
              const len = (s.value / total) * c;
              const el = <circle key={s.label} cx="50" cy="50" r={r} class={`arc ${s.tone}`} stroke-dasharray={`${len} ${c - len}`} stroke-dashoffset={-offset} />;
              offset += len;
              return el;
            })
          : null}
        <text x="50" y="54" text-anchor="middle" class="donut-center">
          {center}
        </text>
      </svg>
      <Legend slices={slices} />
    </figure>
  );
}

export interface Bar {
  label: string;
  /** Segments drawn from the left, each a share of `max`. */
  parts: Array<{ value: number; tone: string; label: string }>;
  max: number;
  note: string;
}

export function Bars({ bars, label }: { bars: Bar[]; label: string }) {
  const summary = `${label}: ${bars.map((b) => `${b.label} ${b.note}`).join("; ")}`;
  return (
    <figure class="chart bars" role="img" aria-label={summary}>
      {bars.map((b) => (
        <div class="bar-row" key={b.label}>
          <div class="bar-label">
            <span>{b.label}</span>
            <span class="muted">{b.note}</span>
          </div>
          <svg viewBox="0 0 100 8" preserveAspectRatio="none" class="bar-svg" aria-hidden="true">
            <rect x="0" y="0" width="100" height="8" class="track" />
            {(() => {
              let x = 0;
              return b.parts.map((p) => {
                const w = b.max > 0 ? Math.min(100 - x, (p.value / b.max) * 100) : 0;
                const el = <rect key={p.label} x={x} y="0" width={Math.max(w, p.value > 0 ? 0.8 : 0)} height="8" class={`fill ${p.tone}`} />;
                x += w;
                return el;
              });
            })()}
          </svg>
        </div>
      ))}
    </figure>
  );
}

export interface Column {
  label: string;
  parts: Array<{ value: number; tone: string; label: string }>;
}

export function Columns({ columns, label, legend }: { columns: Column[]; label: string; legend: Slice[] }) {
  const max = Math.max(1, ...columns.map((c) => c.parts.reduce((a, p) => a + p.value, 0)));
  const w = 100 / Math.max(1, columns.length);
  const summary = `${label}: ${columns.map((c) => `${c.label} ${c.parts.reduce((a, p) => a + p.value, 0)}`).join(", ")}`;
  return (
    <figure class="chart columns">
      <svg viewBox="0 0 100 50" preserveAspectRatio="none" role="img" aria-label={summary} class="columns-svg">
        <line x1="0" y1="50" x2="100" y2="50" class="axis" />
        {columns.map((c, i) => {
          let y = 50;
          return c.parts.map((p) => {
            const h = (p.value / max) * 46;
            y -= h;
            return <rect key={`${c.label}-${p.label}`} x={i * w + w * 0.15} y={y} width={w * 0.7} height={h} class={`fill ${p.tone}`} />;
          });
        })}
      </svg>
      <div class="columns-axis" aria-hidden="true">
        <span>{columns[0]?.label}</span>
        <span>{columns.at(-1)?.label}</span>
      </div>
      <Legend slices={legend} />
    </figure>
  );
}

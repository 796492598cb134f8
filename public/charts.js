// Hand-rolled SVG charts for the dashboard (no charting library: three small pictures do not need one).
// Each function takes the JSON of one /v1 route and returns SVG text; every mark carries data-* attributes
// with its value (tests read them) and a <title> that the browser shows on hover.

const esc = (s) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const pct = (x) => (x === null || x === undefined ? 'no data' : `${(x * 100).toFixed(1)}%`);
const ms = (x) => (x === null || x === undefined ? 'no data' : `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`);
const clock = (iso) => `${iso.slice(11, 19)}Z`;
/** A duration in words, for axis notes. */
const span = (msValue) =>
  msValue < 120_000
    ? `${Math.round(msValue / 1000)} s`
    : msValue < 7_200_000
      ? `${Math.round(msValue / 60_000)} min`
      : msValue < 172_800_000
        ? `${(msValue / 3_600_000).toFixed(1)} h`
        : `${Math.round(msValue / 86_400_000)} d`;
const stageAt = (stage, percent) =>
  stage ? `${stage}${percent === null || percent === undefined ? '' : ` ${+percent.toFixed(2)}%`}` : '';

/** Colours of decisions: the same meaning as the stage badges. */
const KIND_COLOUR = {
  register: '#b7791f',
  promote: '#2f6fdd',
  resume: '#2f6fdd',
  pause: '#c2410c',
  rollback: '#b42318',
  retire: '#5b6472',
  hold: '#8a6d1f',
  approve: '#17803d',
  reject: '#b42318',
};

/**
 * The served share of users over time, as a step line, with one marker per decision (hover: its reason).
 * `timeline` is GET /v1/rollouts/:id/timeline.
 */
export function rolloutChart(timeline, { width = 640, height = 200 } = {}) {
  const pad = { left: 44, right: 16, top: 12, bottom: 30 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const points = timeline.points;
  const now = Date.parse(timeline.now);
  const t0 = points.length ? Date.parse(points[0].at) : now;
  const last = points.length ? Date.parse(points[points.length - 1].at) : now;
  // Decisions come in bursts (a walk up the ladder takes minutes, then nothing happens for days): when the
  // quiet time since the last decision is longer than the decisions took, the axis is broken so the burst
  // keeps most of the width and the quiet tail is drawn short, marked, and labelled with its length.
  const active = Math.max(1000, (last - t0) * 1.08);
  const broken = now - t0 > 2 * active;
  const split = pad.left + w - (broken ? Math.max(0.18 * w, 130) : 0);
  const x = (t) =>
    !broken
      ? pad.left + ((t - t0) / Math.max(1000, now - t0)) * w
      : t <= t0 + active
        ? pad.left + ((t - t0) / active) * (split - pad.left)
        : split + 14 + ((t - t0 - active) / (now - t0 - active)) * (pad.left + w - split - 14);
  const y = (p) => pad.top + h - (p / 100) * h;

  // The step line: each move sets the served share until the next one.
  let served = 0;
  let d = `M${x(t0).toFixed(1)},${y(0).toFixed(1)}`;
  for (const p of points) {
    if (p.toPercent === null) continue;
    const px = x(Date.parse(p.at)).toFixed(1);
    d += ` L${px},${y(served).toFixed(1)} L${px},${y(p.toPercent).toFixed(1)}`;
    served = p.toPercent;
  }
  d += ` L${x(now).toFixed(1)},${y(served).toFixed(1)}`;

  const grid = [0, 25, 50, 75, 100]
    .map(
      (p) =>
        `<line class="grid" x1="${pad.left}" x2="${pad.left + w}" y1="${y(p)}" y2="${y(p)}"/>` +
        `<text class="tick" x="${pad.left - 6}" y="${y(p) + 4}" text-anchor="end">${p}%</text>`,
    )
    .join('');
  let level = 0;
  const markers = points
    .map((p) => {
      if (p.toPercent !== null) level = p.toPercent;
      const move =
        p.fromStage || p.toStage
          ? `${stageAt(p.fromStage, p.fromPercent)} → ${stageAt(p.toStage, p.toPercent)}`
          : '';
      const title = `${p.at} · ${p.kind}${move ? ` ${move}` : ''} by ${p.by ?? p.actor}\n${p.reason}`;
      return `<circle class="decision" cx="${x(Date.parse(p.at)).toFixed(1)}" cy="${y(level).toFixed(1)}" r="5" fill="${KIND_COLOUR[p.kind] ?? '#5b6472'}" data-kind="${esc(p.kind)}" data-percent="${esc(level)}" data-at="${esc(p.at)}"><title>${esc(title)}</title></circle>`;
    })
    .join('');
  const quiet = broken
    ? `<g class="axis-break"><path d="M${split + 3},${pad.top + h + 6} l4,-12 M${split + 9},${pad.top + h + 6} l4,-12"/></g>`
    : '';
  // Broken: the right end says how long the quiet tail is ("31 min later: now"), its clock is on hover.
  const end = broken ? `${span(now - last)} later: now` : `now ${clock(timeline.now)}`;
  const axis =
    `<text class="tick" x="${pad.left}" y="${height - 8}">${esc(points.length ? clock(points[0].at) : '')}</text>` +
    (broken
      ? `<text class="tick" x="${split}" y="${height - 8}" text-anchor="end">${esc(clock(points[points.length - 1].at))}</text>`
      : '') +
    quiet +
    `<text class="tick" x="${pad.left + w}" y="${height - 8}" text-anchor="end">${esc(end)}<title>${esc(timeline.now)}</title></text>`;
  return `<svg class="chart rollout-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" data-broken="${broken}" role="img" aria-label="share of users served over time, with each decision" data-served="${esc(served)}">${grid}<path class="served" d="${d}"/>${markers}${axis}</svg>`;
}

/**
 * One bar per stage window, for success rate and p99, beside the bounds they are judged against. A window
 * without requests is drawn as "no data", not as zero. `timeline` is GET /v1/rollouts/:id/timeline.
 */
export function windowCharts(timeline, { width = 320, height = 170 } = {}) {
  const windows = timeline.windows;
  const t = timeline.thresholds;
  const label = (win) => `${stageAt(win.stage, win.percent)}${win.open ? ' (open)' : ''}`;
  const one = (kind, value, max, bound, fmtValue, boundText, bad) => {
    const pad = { left: 44, right: 12, top: 14, bottom: 44 };
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    const band = w / Math.max(1, windows.length);
    const y = (v) => pad.top + h - (Math.min(v, max) / max) * h;
    const bars = windows
      .map((win, i) => {
        const v = value(win);
        const bx = pad.left + i * band + band * 0.15;
        const bw = band * 0.7;
        const title = `${label(win)} · ${win.requests} requests · ${kind === 'success' ? 'success' : 'p99'} ${fmtValue(v)}${win.closedBy ? `\nclosed by ${win.closedBy.kind}: ${win.closedBy.reason}` : '\nthe open window: live numbers'}`;
        const name = `<text class="tick" x="${(bx + bw / 2).toFixed(1)}" y="${pad.top + h + 14}" text-anchor="middle">${esc(band < 80 ? (SHORT[win.stage] ?? win.stage) : win.stage.replace('_', ' '))}</text><text class="tick" x="${(bx + bw / 2).toFixed(1)}" y="${pad.top + h + 27}" text-anchor="middle">${esc(win.open ? 'now' : `${+win.percent.toFixed(2)}%`)}</text>`;
        if (v === null)
          return `<g class="bar ${kind} nodata" data-stage="${esc(win.stage)}" data-value="" data-open="${win.open}"><rect x="${bx.toFixed(1)}" y="${pad.top}" width="${bw.toFixed(1)}" height="${h}" class="nodata"/><text class="nodata-label" x="${(bx + bw / 2).toFixed(1)}" y="${pad.top + h / 2}" text-anchor="middle">no data</text><title>${esc(title)}</title></g>${name}`;
        return `<g class="bar ${kind}${bad(v) ? ' out' : ''}" data-stage="${esc(win.stage)}" data-value="${esc(v)}" data-open="${win.open}"><rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(pad.top + h - y(v)).toFixed(1)}"/><title>${esc(title)}</title></g>${name}`;
      })
      .join('');
    const by = y(bound);
    return `<svg class="chart window-chart ${kind}-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${kind === 'success' ? 'success rate' : 'p99 latency'} per stage window" data-bound="${esc(bound)}">
      <text class="chart-title" x="${pad.left}" y="10">${kind === 'success' ? 'success rate' : 'p99 latency'} per stage window</text>
      <line class="axis" x1="${pad.left}" x2="${pad.left + w}" y1="${pad.top + h}" y2="${pad.top + h}"/>
      <text class="tick" x="${pad.left - 6}" y="${pad.top + 4}" text-anchor="end">${esc(kind === 'success' ? '100%' : `${Math.round(max)} ms`)}</text>
      <text class="tick" x="${pad.left - 6}" y="${pad.top + h + 4}" text-anchor="end">${kind === 'success' ? '0%' : '0'}</text>
      ${bars}
      <line class="bound" x1="${pad.left}" x2="${pad.left + w}" y1="${by.toFixed(1)}" y2="${by.toFixed(1)}"><title>${esc(boundText)}</title></line>
    </svg>`;
  };
  const p99s = windows.map((w) => w.p99Ms).filter((v) => v !== null);
  const p99Max = Math.max(t.maxP99Ms * 1.25, ...p99s.map((v) => v * 1.1));
  return (
    one(
      'success',
      (w) => w.successRate,
      1,
      t.minSuccessRate,
      pct,
      `roll back below ${pct(t.minSuccessRate)}`,
      (v) => v < t.minSuccessRate,
    ) +
    one(
      'p99',
      (w) => w.p99Ms,
      p99Max,
      t.maxP99Ms,
      ms,
      `pause above ${ms(t.maxP99Ms)}`,
      (v) => v > t.maxP99Ms,
    )
  );
}

/** Stage names that fit under a narrow bar. */
const SHORT = { development: 'dev', production: 'prod', rolled_back: 'rolled back' };

const PALETTE = ['#2f6fdd', '#c2410c', '#17803d', '#8b5cf6', '#b7791f', '#0e7490', '#be185d', '#4b5563'];

/** Failures per pattern over time, stacked bars per time bucket. `ft` is GET /v1/failures/timeline. */
export function failuresChart(ft, { width = 640, height = 180 } = {}) {
  const pad = { left: 36, right: 12, top: 10, bottom: 26 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const n = ft.series[0]?.counts.length ?? 0;
  if (!n) return '<p class="empty">No failures recorded.</p>';
  const totals = Array.from({ length: n }, (_, i) => ft.series.reduce((a, s) => a + s.counts[i], 0));
  const max = Math.max(1, ...totals);
  const band = w / n;
  const from = Date.parse(ft.from);
  const y = (v) => (v / max) * h;
  let bars = '';
  for (let i = 0; i < n; i++) {
    let base = pad.top + h;
    const start = new Date(from + i * ft.bucketMs).toISOString();
    const end = new Date(from + (i + 1) * ft.bucketMs).toISOString();
    ft.series.forEach((s, k) => {
      const c = s.counts[i];
      if (!c) return;
      const bh = y(c);
      base -= bh;
      bars += `<rect class="bar" x="${(pad.left + i * band + 1).toFixed(1)}" y="${base.toFixed(1)}" width="${Math.max(1, band - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${PALETTE[k % PALETTE.length]}" data-signature="${esc(s.signature)}" data-bucket="${i}" data-count="${c}"><title>${esc(`${s.signature}: ${c} failure${c === 1 ? '' : 's'}\n${start} – ${end}`)}</title></rect>`;
    });
  }
  const legend = ft.series
    .map(
      (s, k) =>
        `<span class="key"><i style="background:${PALETTE[k % PALETTE.length]}"></i><code>${esc(s.signature)}</code> ${s.total}</span>`,
    )
    .join('');
  return `<svg class="chart failures-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="failures per pattern over time" data-max="${max}">
    <line class="axis" x1="${pad.left}" x2="${pad.left + w}" y1="${pad.top + h}" y2="${pad.top + h}"/>
    <text class="tick" x="${pad.left - 6}" y="${pad.top + 8}" text-anchor="end">${max}</text>
    <text class="tick" x="${pad.left - 6}" y="${pad.top + h + 4}" text-anchor="end">0</text>
    ${bars}
    <text class="tick" x="${pad.left}" y="${height - 8}">${esc(clock(ft.from))}</text>
    <text class="tick" x="${pad.left + w}" y="${height - 8}" text-anchor="end">now ${esc(clock(ft.to))}</text>
  </svg><div class="legend">${legend}${ft.truncated ? '<span class="numbers">(newest failures only)</span>' : ''}</div>`;
}

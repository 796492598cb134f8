// The Ironcliw dashboard: plain ES modules, no build step. Everything shown comes from the public /v1 API,
// so the page never knows more than any API client would. The overview's first state comes with the page
// (the server embeds the same /v1 answers in #initial-state), so it is drawn before any request; after that,
// live updates arrive over SSE (/v1/events), opened only once the page has loaded, and when the stream drops
// the page polls until it reconnects.
import { failuresChart, rolloutChart, windowCharts } from './charts.js';

const $ = (sel) => document.querySelector(sel);
const esc = (s) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
// "No data" is —: a number is only shown when it was measured (the API sends null otherwise).
const missing = (x) => x === null || x === undefined || Number.isNaN(x);
const pct = (x) => (missing(x) ? '—' : `${(x * 100).toFixed(1)}%`);
const ms = (x) => (missing(x) ? '—' : `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`);
const share = (bp) => (missing(bp) ? '—' : `${+(bp / 100).toFixed(2)}%`);

/** Times are relative ("3 min ago") with the ISO time on hover: the same on every machine and locale. */
function ago(iso, now = Date.now()) {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '—';
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
const when = (iso) => (iso ? `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(ago(iso))}</time>` : '');
setInterval(() => {
  for (const t of document.querySelectorAll('time[datetime]')) t.textContent = ago(t.dateTime);
}, 15_000);

/** Charts are drawn at their box's pixel width (text stays 11 px at any width); redrawn when it changes. */
const widthOf = (sel) => Math.max(280, Math.floor($(sel).clientWidth || 640));
let resized;
window.addEventListener('resize', () => {
  clearTimeout(resized);
  resized = setTimeout(render, 200);
});

async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

function rows(table, list, render, empty) {
  const body = $(`#${table} tbody`);
  const cols = $(`#${table} thead tr`).children.length;
  body.innerHTML = list.length
    ? list.map(render).join('')
    : `<tr><td colspan="${cols}" class="empty">${esc(empty)}</td></tr>`;
}

const stageBadge = (stage) =>
  `<span class="stage ${esc(stage)}">${esc(stage ? stage.replace('_', ' ') : 'unreleased')}</span>`;

/** "gradual 25%": the stage alone hides which gradual step (25/50/75%) a rollout is at. */
const stageAt = (stage, bp) =>
  stage === 'gradual' || stage === 'paused' ? `${stage} ${share(bp)}` : (stage ?? '');

/** Who a rollout serves, in words. */
function audience(r) {
  if (!r) return 'not rolled out';
  if (r.stage === 'development') return 'the internal group only';
  if (r.stage === 'rolled_back') return 'no one (rolled back)';
  if (r.stage === 'paused') return `${share(r.percentage)} of users, paused for review`;
  return `${share(r.percentage)} of users`;
}

// ---- overview ------------------------------------------------------------------------------------------

async function fetchOverview() {
  const [status, capabilities, failures, failureTimeline] = await Promise.all([
    api('/v1/status'),
    api('/v1/capabilities'),
    api('/v1/failures?limit=20'),
    api('/v1/failures/timeline'),
  ]);
  return { status, capabilities, failures, failureTimeline };
}

function renderOverview({ status, capabilities, failures, failureTimeline }) {
  const g = status.generationStats;
  const cards = [
    ['learned capabilities', g.totalGenerated, ''],
    ['active rollouts', status.rolloutStatus.active, ''],
    // The same number /v1/status reports: rollback decisions stored (a rolled-back capability may since have
    // a newer version in another stage, so counting rollouts now in `rolled_back` would disagree).
    ['rollbacks', status.rolloutStatus.rolledBack, 'rollback decisions stored (rolloutStatus.rolledBack)'],
    ['failures recorded', status.failureStats.total, ''],
    ['patterns', g.patterns, ''],
  ];
  $('#cards').innerHTML = cards
    .map(
      ([k, v, title]) =>
        `<div class="card"${title ? ` title="${esc(title)}"` : ''} data-card="${esc(k)}"><b>${esc(v)}</b>${esc(k)}</div>`,
    )
    .join('');
  $('#cards').removeAttribute('aria-busy');
  const caps = capabilities.capabilities;
  rows(
    'caps',
    caps,
    (c) => {
      const m = c.metrics ?? {};
      const r = c.rollout;
      return `<tr class="link" data-capability="${esc(c.manifest.id)}">
        <td class="id"><a href="#/capabilities/${encodeURIComponent(c.manifest.id)}">${esc(c.manifest.id)}</a><div class="numbers">${esc(c.manifest.description)}</div></td>
        <td class="wide">${esc(r ? r.version : c.manifest.version)}</td>
        <td>${stageBadge(r?.stage)}${r?.stage === 'gradual' ? `<div class="numbers">step ${share(r.percentage)}</div>` : ''}</td>
        <td>${r ? (r.stage === 'development' ? '<span title="the internal group only">internal</span>' : share(r.percentage)) : '—'}</td>
        <td>${esc(m.requests ?? 0)}${m.source === 'last decision' ? `<div class="numbers" title="the open window is empty; numbers of the last judged window">in ${esc(m.stage)}</div>` : ''}</td>
        <td>${pct(m.successRate)}</td>
        <td>${ms(m.p99Ms)}</td>
        <td class="wide">${pct(m.positiveFeedbackShare)}</td>
        <td class="wide">${c.verification ? `${esc(c.verification.riskScore)} · ${esc(c.verification.decision)}` : '—'}</td>
      </tr>`;
    },
    'No learned capabilities yet: send commands that fail (or run `ironcliw demo`) and watch them appear.',
  );
  // A pattern's stored status reason was true when it was written ("v1 registered in development"); what
  // its capability does now is its rollout, so that is what is shown, with the old reason on hover.
  const byId = new Map(caps.map((c) => [c.manifest.id, c]));
  rows(
    'patterns',
    failures.patterns,
    (p) => {
      const cap = p.capabilityId ? byId.get(p.capabilityId) : undefined;
      const now = cap
        ? `<div class="numbers" title="${esc(p.statusReason ?? '')}"><a href="#/capabilities/${encodeURIComponent(cap.manifest.id)}">${esc(cap.manifest.id)}</a> v${esc(cap.rollout?.version ?? cap.manifest.version)} ${cap.rollout ? `${stageBadge(cap.rollout.stage)} ${esc(audience(cap.rollout))}` : 'not rolled out'}</div>`
        : p.statusReason
          ? `<div class="numbers">${esc(p.statusReason)}</div>`
          : '';
      return `<tr data-pattern="${esc(p.signature)}"><td><code>${esc(p.signature)}</code></td><td>${esc(p.count)}</td><td>${esc(p.distinctUsers)}</td><td class="pattern-status">${esc(p.status)}${now}</td></tr>`;
    },
    'No patterns yet.',
  );
  $('#failures-chart').classList.remove('loading');
  $('#failures-chart').innerHTML = failuresChart(failureTimeline, { width: widthOf('#failures-chart') });
  rows(
    'failures',
    failures.failures,
    (f) =>
      `<tr><td class="when">${when(f.at)}</td><td>${esc(f.userId)}</td><td>${esc(f.command)}</td><td>${esc(f.category)}</td></tr>`,
    'No failures recorded.',
  );
  const v = status.verificationStats ?? {};
  const list = (o) =>
    Object.entries(o ?? {})
      .map(([k, n]) => `${esc(k)}: ${esc(n)}`)
      .join('<br>');
  const top = (v.topViolations ?? []).map((t) => `${esc(t.rule)} (${esc(t.count)})`).join('<br>');
  $('#stats').innerHTML = `
    <div><b>by generator</b><br>${list(g.byGenerator) || '<span class="empty">none yet</span>'}</div>
    <div><b>verification decisions</b><br>${list(v.byDecision) || '<span class="empty">none yet</span>'}</div>
    <div><b>top violations</b><br>${top || '<span class="empty">none</span>'}</div>
    <div><b>patterns by status</b><br>${list(g.patternsByStatus) || '<span class="empty">none yet</span>'}</div>`;
}

// ---- one capability --------------------------------------------------------------------------------------

/** Decision numbers in words: percentages and milliseconds, "no data" for null, and no basis points. */
const NUMBER_FORMAT = {
  requests: (n) => `${n} requests`,
  ok: (n) => `${n} ok`,
  errors: (n) => `${n} errors`,
  successRate: (n) => `success ${n === null ? 'no data' : pct(n)}`,
  errorRate: (n) => `errors ${n === null ? 'no data' : pct(n)}`,
  p50Ms: (n) => `p50 ${n === null ? 'no data' : ms(n)}`,
  p99Ms: (n) => `p99 ${n === null ? 'no data' : ms(n)}`,
  positive: (n) => `${n} positive`,
  negative: (n) => `${n} negative`,
  positiveShare: (n) => `positive feedback ${n === null ? 'no data' : pct(n)}`,
  minSamples: (n) => `${n} requests needed`,
  openForMs: (n) => `window open ${duration(n)}`,
  dwellMs: (n) => `dwell ${duration(n)}`,
  riskScore: (n) => `risk ${n}`,
  safetyScore: (n) => `safety ${n}`,
  violations: (n) => `${n} violations`,
  checksPassed: null, // shown with checksTotal
  checksTotal: null,
  generationMs: (n) => `generated in ${ms(n)}`,
  fromPercentage: null, // shown in the move column
  toPercentage: null,
};

function duration(msValue) {
  if (missing(msValue)) return 'no data';
  if (msValue < 1000) return `${Math.round(msValue)} ms`;
  if (msValue < 120_000) return `${(msValue / 1000).toFixed(1)} s`;
  if (msValue < 7_200_000) return `${Math.round(msValue / 60_000)} min`;
  return `${(msValue / 3_600_000).toFixed(1)} h`;
}

function readableNumbers(numbers) {
  const out = [];
  const n = numbers ?? {};
  if (n.checksTotal !== undefined) out.push(`${n.checksPassed ?? '?'}/${n.checksTotal} checks passed`);
  for (const [k, value] of Object.entries(n)) {
    if (k in NUMBER_FORMAT) {
      const f = NUMBER_FORMAT[k];
      if (f) out.push(f(value));
      continue;
    }
    // fail_<category>: failures of that category in the window.
    if (k.startsWith('fail_')) out.push(`${value} ${k.slice(5)}`);
    else out.push(`${k} ${value === null ? 'no data' : value}`);
  }
  return out.join(' · ');
}

function move(e) {
  if (!e.fromStage && !e.toStage) return '';
  const n = e.numbers ?? {};
  const from = e.fromStage ? stageAt(e.fromStage, n.fromPercentage) : '';
  const to = e.toStage
    ? `${stageBadge(e.toStage)}${e.toStage === 'gradual' || e.toStage === 'paused' ? ` ${share(n.toPercentage)}` : ''}`
    : '';
  return `${from ? `<span class="from">${esc(from)}</span> → ` : ''}${to}`;
}

function renderCode(c) {
  const own = c.ownCode ?? c.code;
  $('#d-own-code').textContent = own;
  const injected = c.code.split('\n').length - own.split('\n').length;
  $('#d-stored summary').textContent =
    injected > 0
      ? `The module as stored and run: ${injected} more lines of injected safety wrapper (input and output checks, redaction, output cap)`
      : 'The module as stored and run';
  $('#d-stored').open = false;
  $('#d-code').textContent = c.code;
}

async function renderDetail(id) {
  const [c, timeline] = await Promise.all([
    api(`/v1/capabilities/${encodeURIComponent(id)}`),
    api(`/v1/rollouts/${encodeURIComponent(id)}/timeline`).catch((err) => {
      if (err.status === 404) return null;
      throw err;
    }),
  ]);
  const m = c.manifest;
  $('#d-title').textContent = `${m.id} v${m.version}`;
  $('#d-desc').textContent = m.description;
  const r = c.rollout;
  $('#d-rollout').innerHTML = r
    ? `${stageBadge(r.stage)} serving v${esc(r.version)} to ${esc(audience(r))} · since ${when(r.stageEnteredAt)}${
        timeline?.needsPerson ? `<div class="gate" role="note">⚑ ${esc(timeline.needsPerson)}</div>` : ''
      }`
    : 'not rolled out';
  for (const b of document.querySelectorAll('#d-actions button')) {
    b.disabled = !r;
    b.onclick = () => act(m.id, b.dataset.action);
  }
  $('#d-chart').classList.remove('loading');
  $('#d-chart').innerHTML = timeline
    ? rolloutChart(timeline, { width: widthOf('#d-chart') })
    : '<p class="empty">Not rolled out: no timeline.</p>';
  // Side by side when there is room, one above the other when not.
  const room = widthOf('#d-windows');
  $('#d-windows').innerHTML = timeline
    ? windowCharts(timeline, { width: room >= 760 ? Math.floor(room / 2) - 4 : room })
    : '';
  rows(
    'd-events',
    [...c.events].reverse(),
    (e) =>
      `<tr data-kind="${esc(e.kind)}"><td class="when">${when(e.at)}</td><td>${esc(e.kind)}</td><td class="move">${move(e)}</td><td title="${esc(e.actor)}">${esc(e.by ?? e.actor)}</td><td>${esc(e.reason)}<div class="numbers">${esc(readableNumbers(e.numbers))}</div></td></tr>`,
    'No decisions yet.',
  );
  const verification = c.reports.filter((x) => x.kind === 'verification').at(-1)?.report;
  rows(
    'd-checks',
    verification?.checks ?? [],
    (k) =>
      `<tr><td>${esc(k.name)}</td><td class="${k.passed ? 'ok' : 'bad'}">${k.passed ? 'passed' : 'failed'}</td><td>${esc(k.detail)}</td></tr>`,
    'No verification report.',
  );
  const bench = c.reports.filter((x) => x.kind === 'benchmark').at(-1);
  $('#d-bench').innerHTML = bench
    ? `<p class="numbers">p50 ${ms(bench.report.latency?.p50)} · p99 ${ms(bench.report.latency?.p99)} · errors ${pct(bench.report.errorRate)} · ${when(bench.at)}</p>
       <img alt="latency histogram" src="/v1/capabilities/${encodeURIComponent(m.id)}/plots/latency.svg">`
    : '<span class="empty">Not benchmarked yet.</span>';
  // Keep the reader's choice to unfold the stored module across live refreshes of the same capability.
  const wasOpen = $('#d-stored').open && $('#detail').dataset.id === id;
  renderCode(c);
  $('#d-stored').open = wasOpen;
  $('#detail').dataset.id = id;
  $('#d-manifest').textContent = JSON.stringify(m, null, 2);
}

async function act(id, action) {
  const msg = $('#d-msg');
  msg.textContent = `${action}…`;
  const headers = { 'content-type': 'application/json' };
  const key = localStorage.getItem('ironcliw-api-key');
  if (key) headers['x-api-key'] = key;
  try {
    const out = await api(`/v1/rollouts/${encodeURIComponent(id)}/${action}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: `${action} from the dashboard` }),
    });
    msg.textContent = `${action}: now ${out.rollout?.stage ?? 'done'}`;
  } catch (err) {
    msg.textContent = err.message;
  }
  await render();
}

// ---- routing and live updates ------------------------------------------------------------------------

/** The overview the server rendered into the page: used for the first paint only, then the API is read. */
function takeInitialState() {
  const el = document.getElementById('initial-state');
  if (!el) return null;
  el.remove();
  try {
    return JSON.parse(el.textContent);
  } catch {
    return null;
  }
}
let initial = takeInitialState();

let rendering = false;
let again = false;
async function render() {
  // One render at a time; a nudge during one runs one more afterwards (so no change is missed).
  if (rendering) {
    again = true;
    return;
  }
  rendering = true;
  try {
    const m = location.hash.match(/^#\/capabilities\/(.+)$/);
    $('#overview').hidden = Boolean(m);
    $('#detail').hidden = !m;
    if (m) {
      const id = decodeURIComponent(m[1]);
      if ($('#detail').dataset.id !== id) {
        $('#d-title').textContent = `${id} — loading…`;
        $('#d-chart').innerHTML = 'Loading…';
      }
      initial = null;
      await renderDetail(id);
    } else {
      const data = initial ?? (await fetchOverview());
      initial = null;
      renderOverview(data);
    }
    if ($('#live').textContent.startsWith('⚠') || $('#live').textContent.includes('loading'))
      $('#live').textContent = stream ? '● live' : '○ loaded';
  } catch (err) {
    $('#live').textContent = `⚠ ${err.message}`;
  } finally {
    rendering = false;
    if (again) {
      again = false;
      void render();
    }
  }
}

let stream = null;
function live() {
  let poll;
  stream = new EventSource('/v1/events');
  stream.onopen = () => {
    $('#live').textContent = '● live';
    clearInterval(poll);
  };
  stream.onmessage = () => render();
  stream.onerror = () => {
    $('#live').textContent = '○ polling';
    clearInterval(poll);
    poll = setInterval(render, 3000);
  };
}

$('#key').onclick = () => {
  const key = prompt('API key for promote / pause / rollback (stored in this browser only):');
  if (key !== null) localStorage.setItem('ironcliw-api-key', key);
};
window.addEventListener('hashchange', render);
render();
// The event stream never ends, so it is opened after the page has loaded: loading never waits for it.
if (document.readyState === 'complete') setTimeout(live, 0);
else window.addEventListener('load', () => setTimeout(live, 0), { once: true });

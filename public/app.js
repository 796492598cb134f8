// The Ironcliw dashboard: plain ES modules, no build step. Everything shown comes from the public /v1 API,
// so the page never knows more than any API client would. Live updates arrive over SSE (/v1/events); when
// the stream drops, the page polls until it reconnects.

const $ = (sel) => document.querySelector(sel);
const esc = (s) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const pct = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(1)}%`);
const ms = (x) => (x === null || x === undefined ? '—' : `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

async function api(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  return body;
}

function rows(table, list, render, empty) {
  const body = $(`#${table} tbody`);
  const cols = $(`#${table} thead tr`).children.length;
  body.innerHTML = list.length
    ? list.map(render).join('')
    : `<tr><td colspan="${cols}" class="empty">${esc(empty)}</td></tr>`;
}

const stageBadge = (stage) => `<span class="stage ${esc(stage)}">${esc(stage ?? 'unreleased')}</span>`;

async function renderOverview() {
  const [status, caps, fails] = await Promise.all([
    api('/v1/status'),
    api('/v1/capabilities'),
    api('/v1/failures?limit=20'),
  ]);
  const g = status.generationStats;
  const cards = [
    ['learned capabilities', g.totalGenerated],
    ['active rollouts', status.rolloutStatus.active],
    ['rolled back', status.rolloutStatus.byStage?.rolled_back ?? 0],
    ['failures recorded', status.failureStats.total],
    ['patterns', g.patterns],
  ];
  $('#cards').innerHTML = cards.map(([k, v]) => `<div class="card"><b>${esc(v)}</b>${esc(k)}</div>`).join('');
  rows(
    'caps',
    caps.capabilities,
    (c) => {
      const m = c.metrics ?? {};
      const r = c.rollout;
      return `<tr class="link" data-capability="${esc(c.manifest.id)}">
        <td><a href="#/capabilities/${encodeURIComponent(c.manifest.id)}">${esc(c.manifest.id)}</a><div class="numbers">${esc(c.manifest.description)}</div></td>
        <td>${esc(r ? r.version : c.manifest.version)}</td>
        <td>${stageBadge(r?.stage)}</td>
        <td>${r ? pct(r.percentage / 10000) : '—'}</td>
        <td>${esc(m.requests ?? 0)}${m.source === 'last decision' ? `<div class="numbers" title="the open window is empty; numbers of the last judged window">in ${esc(m.stage)}</div>` : ''}</td>
        <td>${pct(m.successRate)}</td>
        <td>${ms(m.p99Ms)}</td>
        <td>${pct(m.positiveFeedbackShare)}</td>
        <td>${c.verification ? `${esc(c.verification.riskScore)} · ${esc(c.verification.decision)}` : '—'}</td>
      </tr>`;
    },
    'No learned capabilities yet: send commands that fail (or run `ironcliw demo`) and watch them appear.',
  );
  rows(
    'patterns',
    fails.patterns,
    (p) =>
      `<tr><td><code>${esc(p.signature)}</code></td><td>${esc(p.count)}</td><td>${esc(p.distinctUsers)}</td><td>${esc(p.status)}${p.statusReason ? `<div class="numbers">${esc(p.statusReason)}</div>` : ''}</td></tr>`,
    'No patterns yet.',
  );
  rows(
    'failures',
    fails.failures,
    (f) =>
      `<tr><td>${esc(when(f.at))}</td><td>${esc(f.userId)}</td><td>${esc(f.command)}</td><td>${esc(f.category)}${
        String(f.screenRef ?? '').startsWith('screen:')
          ? ` · <a href="/dashboard/demonstrate.html?failure=${encodeURIComponent(f.id)}">demonstrate</a>`
          : ''
      }</td></tr>`,
    'No failures recorded.',
  );
  const v = status.verificationStats ?? {};
  const byGen = Object.entries(g.byGenerator ?? {})
    .map(([k, n]) => `${esc(k)}: ${esc(n)}`)
    .join('<br>');
  const byDecision = Object.entries(v.byDecision ?? {})
    .map(([k, n]) => `${esc(k)}: ${esc(n)}`)
    .join('<br>');
  const top = (v.topViolations ?? []).map((t) => `${esc(t.rule)} (${esc(t.count)})`).join('<br>');
  $('#stats').innerHTML = `
    <div><b>by generator</b><br>${byGen || '<span class="empty">none yet</span>'}</div>
    <div><b>verification decisions</b><br>${byDecision || '<span class="empty">none yet</span>'}</div>
    <div><b>top violations</b><br>${top || '<span class="empty">none</span>'}</div>
    <div><b>patterns by status</b><br>${
      Object.entries(g.patternsByStatus ?? {})
        .map(([k, n]) => `${esc(k)}: ${esc(n)}`)
        .join('<br>') || '<span class="empty">none yet</span>'
    }</div>`;
}

async function renderDetail(id) {
  const c = await api(`/v1/capabilities/${encodeURIComponent(id)}`);
  const m = c.manifest;
  $('#d-title').textContent = `${m.id} v${m.version}`;
  $('#d-desc').textContent = m.description;
  const r = c.rollout;
  $('#d-rollout').innerHTML = r
    ? `${stageBadge(r.stage)} serving v${esc(r.version)} to ${pct(r.percentage / 10000)} of users · since ${esc(when(r.stageEnteredAt))}`
    : 'not rolled out';
  for (const b of document.querySelectorAll('#d-actions button')) {
    b.disabled = !r;
    b.onclick = () => act(m.id, b.dataset.action);
  }
  rows(
    'd-events',
    [...c.events].reverse(),
    (e) =>
      `<tr><td>${esc(when(e.at))}</td><td>${esc(e.kind)}</td><td>${e.toStage ? stageBadge(e.toStage) : ''}</td><td>${esc(e.actor)}</td><td>${esc(e.reason)}<div class="numbers">${esc(
        Object.entries(e.numbers ?? {})
          .map(([k, n]) => `${k}=${n}`)
          .join(' '),
      )}</div></td></tr>`,
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
    ? `<p class="numbers">p50 ${ms(bench.report.latency?.p50)} · p99 ${ms(bench.report.latency?.p99)} · errors ${pct(bench.report.errorRate)} · ${esc(when(bench.at))}</p>
       <img alt="latency histogram" src="/v1/capabilities/${encodeURIComponent(m.id)}/plots/latency.svg">`
    : '<span class="empty">Not benchmarked yet.</span>';
  $('#d-code').textContent = c.code;
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

let rendering = false;
async function render() {
  if (rendering) return;
  rendering = true;
  try {
    const m = location.hash.match(/^#\/capabilities\/(.+)$/);
    $('#overview').hidden = Boolean(m);
    $('#detail').hidden = !m;
    if (m) await renderDetail(decodeURIComponent(m[1]));
    else await renderOverview();
  } catch (err) {
    $('#live').textContent = `⚠ ${err.message}`;
  } finally {
    rendering = false;
  }
}

function live() {
  let poll;
  const source = new EventSource('/v1/events');
  source.onopen = () => {
    $('#live').textContent = '● live';
    clearInterval(poll);
  };
  source.onmessage = () => render();
  source.onerror = () => {
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
live();

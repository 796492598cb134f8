/**
 * The dashboard: one static page (no build step) that reads the public API and refreshes itself.
 * Everything shown comes from /v1/* so the page never knows more than an API client would.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ironcliw</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #f5f6f8; }
  body { margin: 0; }
  header { background: #1d2430; color: #fff; padding: 14px 24px; display: flex; align-items: baseline; gap: 16px; }
  header h1 { margin: 0; font-size: 20px; }
  header small { opacity: .7; }
  main { padding: 20px 24px; display: grid; gap: 20px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
  .card { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0001; }
  .card b { display: block; font-size: 26px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px #0001; }
  h2 { font-size: 16px; margin: 4px 0 10px; }
  table { width: 100%; border-collapse: collapse; font-size: 14px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e6e8ec; vertical-align: top; }
  th { color: #5b6472; font-weight: 600; }
  .stage { padding: 2px 8px; border-radius: 10px; font-size: 12px; background: #e6e8ec; }
  .stage.development { background: #fff3cd; } .stage.production { background: #d1f0d8; }
  .stage.rolled_back { background: #f8d7da; } .stage.builtin { background: #dde7ff; }
  .empty { color: #8a93a0; font-style: italic; }
</style>
</head>
<body>
<header><h1>Ironcliw</h1><small>capabilities learned from failures, rolled out safely</small><small id="updated"></small></header>
<main>
  <div class="cards" id="cards"></div>
  <section><h2>Capabilities</h2><table id="caps"><thead><tr><th>id</th><th>version</th><th>stage</th><th>origin</th><th>description</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Failure patterns</h2><table id="patterns"><thead><tr><th>signature</th><th>failures</th><th>users</th><th>status</th><th>last seen</th></tr></thead><tbody></tbody></table></section>
  <section><h2>Recent failures</h2><table id="failures"><thead><tr><th>at</th><th>user</th><th>command</th><th>category</th></tr></thead><tbody></tbody></table></section>
</main>
<script>
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  function rows(id, list, render, empty) {
    const body = document.querySelector('#' + id + ' tbody');
    body.innerHTML = list.length ? list.map(render).join('') : '<tr><td colspan="5" class="empty">' + empty + '</td></tr>';
  }
  async function refresh() {
    try {
      const [status, caps, fails] = await Promise.all(['/v1/status', '/v1/capabilities', '/v1/failures?limit=20'].map((u) => fetch(u).then((r) => r.json())));
      const cards = [
        ['learned capabilities', status.generationStats.totalGenerated],
        ['active rollouts', status.rolloutStatus.active],
        ['failures recorded', status.failureStats.total],
        ['patterns', status.generationStats.patterns],
      ];
      document.getElementById('cards').innerHTML = cards.map(([k, v]) => '<div class="card"><b>' + esc(v) + '</b>' + esc(k) + '</div>').join('');
      rows('caps', caps.capabilities, (c) => '<tr data-capability="' + esc(c.manifest.id) + '"><td>' + esc(c.manifest.id) + '</td><td>' + esc(c.manifest.version) + '</td><td><span class="stage ' + esc(c.rollout ? c.rollout.stage : '') + '">' + esc(c.rollout ? c.rollout.stage : 'unreleased') + '</span></td><td>' + esc(c.manifest.origin.kind) + ' · ' + esc(c.manifest.origin.generator) + '</td><td>' + esc(c.manifest.description) + '</td></tr>', 'No learned capabilities yet: send commands that fail and watch them appear.');
      rows('patterns', fails.patterns, (p) => '<tr><td><code>' + esc(p.signature) + '</code></td><td>' + esc(p.count) + '</td><td>' + esc(p.distinctUsers) + '</td><td>' + esc(p.status) + (p.statusReason ? ' — ' + esc(p.statusReason) : '') + '</td><td>' + esc(p.lastSeen) + '</td></tr>', 'No patterns yet.');
      rows('failures', fails.failures, (f) => '<tr><td>' + esc(f.at) + '</td><td>' + esc(f.userId) + '</td><td>' + esc(f.command) + '</td><td>' + esc(f.category) + '</td></tr>', 'No failures recorded.');
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (err) {
      document.getElementById('updated').textContent = 'cannot reach the API: ' + err.message;
    }
  }
  refresh();
  setInterval(refresh, 2000);
</script>
</body>
</html>
`;

// The demonstrate page: a failed command's kept screen (GET /v1/screens/:id); each click on it is a click
// action at the screen's own pixels, typed text and keys are added in order, and the whole goes to
// POST /v1/demonstrations with the kept screen's ref. Writes need the API key the overview page stores.
const $ = (s) => document.querySelector(s);
const failureId = new URLSearchParams(location.search).get('failure');
const actions = [];
let failure;

const headers = () => {
  const h = { 'content-type': 'application/json' };
  const key = localStorage.getItem('ironcliw-api-key');
  if (key) h['x-api-key'] = key;
  return h;
};

async function api(url, init = {}) {
  const res = await fetch(url, { ...init, headers: { ...headers(), ...(init.headers ?? {}) } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  }
  return res;
}

function draw() {
  $('#steps').replaceChildren(
    ...actions.map((a, i) => {
      const li = document.createElement('li');
      li.textContent =
        a.type === 'click'
          ? `click at (${a.x}, ${a.y})`
          : a.type === 'type'
            ? `type ${JSON.stringify(a.text)}`
            : `press ${a.key}`;
      li.dataset.i = String(i);
      return li;
    }),
  );
  for (const m of document.querySelectorAll('.mark')) m.remove();
  const img = $('#img');
  actions.forEach((a, i) => {
    if (a.type !== 'click') return;
    const m = document.createElement('div');
    m.className = 'mark';
    m.textContent = String(i + 1);
    m.style.left = `${(a.x * img.clientWidth) / img.naturalWidth}px`;
    m.style.top = `${(a.y * img.clientHeight) / img.naturalHeight}px`;
    $('#shot').append(m);
  });
}

async function load() {
  if (!failureId) throw new Error('no failure named: open this page from the failures table');
  const { failures } = await (await api('/v1/failures?limit=100')).json();
  failure = failures.find((f) => f.id === failureId);
  if (!failure) throw new Error(`failure ${failureId} is not among the 100 most recent`);
  $('#command').textContent = failure.command;
  $('#why').textContent = `${failure.category}: ${failure.message}`;
  if (!String(failure.screenRef ?? '').startsWith('screen:'))
    throw new Error('this failure has no kept screen');
  const blob = await (await api(`/v1/screens/${encodeURIComponent(failure.screenRef.slice(7))}`)).blob();
  $('#img').src = URL.createObjectURL(blob);
}

$('#img').addEventListener('click', (e) => {
  const img = e.currentTarget;
  const r = img.getBoundingClientRect();
  actions.push({
    type: 'click',
    x: Math.round(((e.clientX - r.left) * img.naturalWidth) / r.width),
    y: Math.round(((e.clientY - r.top) * img.naturalHeight) / r.height),
  });
  draw();
});
$('#add-type').addEventListener('click', () => {
  if ($('#text').value) actions.push({ type: 'type', text: $('#text').value });
  $('#text').value = '';
  draw();
});
$('#add-key').addEventListener('click', () => {
  if ($('#key').value.trim()) actions.push({ type: 'press', key: $('#key').value.trim() });
  $('#key').value = '';
  draw();
});
$('#undo').addEventListener('click', () => {
  actions.pop();
  draw();
});
$('#send').addEventListener('click', async () => {
  const msg = $('#msg');
  try {
    const expectText = $('#expect').value.trim();
    const body = {
      command: failure.command,
      context: { user: failure.userId },
      screen: { ref: failure.screenRef },
      ...(actions.length ? { actions } : {}),
      ...(expectText ? { expect: JSON.parse(expectText) } : {}),
      wait: true,
    };
    msg.textContent = 'learning…';
    const out = await (
      await api('/v1/demonstrations', { method: 'POST', body: JSON.stringify(body) })
    ).json();
    msg.textContent = `${out.status} (${out.demonstrations} demonstration(s) of this pattern)`;
  } catch (err) {
    msg.textContent = err.message;
  }
});
load().catch((err) => ($('#msg').textContent = err.message));

// Scoring detected UI elements against the DOM's truth (harness.js): shared by the vision tests and the
// `npm run bench -- vision` suite, so both report the same figures.
//
//   const s = scoreElements(truth.elements, detected);   // per page
//   const total = sumScores([s1, s2, ...]);              // {precision, recall, label, state, ...}

/** Kinds a person acts on: precision and recall are over these. */
export const INTERACTIVE = [
  'button', 'link', 'text-field', 'checkbox', 'radio', 'tab', 'dialog', 'close-button', 'list-item',
  'tree-node', 'dropdown',
];

const norm = (s) =>
  String(s ?? '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

export function iou(a, b) {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const i = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const u = a.width * a.height + b.width * b.height - i;
  return u > 0 ? i / u : 0;
}

/**
 * One page: truth elements not under a modal overlay must be found with their kind and a box of IoU ≥ 0.5
 * (recall); detections must be such an element (precision; one matching an occluded element is neither
 * right nor wrong). Of the matched ones: the text/label read must equal the DOM's (label, controls with a
 * label only), and the visible state set must equal the DOM's (state).
 */
export function scoreElements(truthElements, detected, { minIou = 0.5 } = {}) {
  const truth = truthElements.filter((t) => INTERACTIVE.includes(t.kind));
  const det = detected.filter((d) => INTERACTIVE.includes(d.kind));
  const pairs = [];
  for (const [ti, t] of truth.entries()) {
    for (const [di, d] of det.entries()) {
      if (d.kind !== t.kind) continue;
      const v = iou(t.bbox, d.bbox);
      if (v >= minIou) pairs.push({ ti, di, v });
    }
  }
  pairs.sort((p, q) => q.v - p.v);
  const tUsed = new Map();
  const dUsed = new Map();
  for (const p of pairs) {
    if (tUsed.has(p.ti) || dUsed.has(p.di)) continue;
    tUsed.set(p.ti, p.di);
    dUsed.set(p.di, p.ti);
  }
  const misses = [];
  const falses = [];
  let tp = 0;
  let truthCount = 0;
  let detCount = 0;
  let labelOk = 0;
  let labelN = 0;
  let stateOk = 0;
  let stateN = 0;
  const labelErrors = [];
  const stateErrors = [];
  for (const [ti, t] of truth.entries()) {
    if (t.occluded) continue;
    truthCount++;
    if (!tUsed.has(ti)) {
      misses.push(t);
      continue;
    }
    tp++;
    const d = det[tUsed.get(ti)];
    if (t.text && t.kind !== 'close-button') {
      labelN++;
      if (norm(d.text) === norm(t.text)) labelOk++;
      else labelErrors.push({ kind: t.kind, want: t.text, got: d.text });
    }
    stateN++;
    const want = [...t.state].sort().join(',');
    const got = [...d.state].sort().join(',');
    if (want === got) stateOk++;
    else stateErrors.push({ kind: t.kind, text: t.text, want, got });
  }
  for (const [di, d] of det.entries()) {
    if (dUsed.has(di)) {
      if (truth[dUsed.get(di)].occluded) continue;
      detCount++;
      continue;
    }
    if (truth.some((t) => t.occluded && iou(t.bbox, d.bbox) >= 0.3)) continue;
    detCount++;
    falses.push(d);
  }
  return { tp, truth: truthCount, detected: detCount, labelOk, labelN, stateOk, stateN, misses, falses, labelErrors, stateErrors };
}

export function sumScores(list) {
  const s = { tp: 0, truth: 0, detected: 0, labelOk: 0, labelN: 0, stateOk: 0, stateN: 0 };
  for (const x of list) for (const k of Object.keys(s)) s[k] += x[k];
  return {
    ...s,
    precision: s.detected ? s.tp / s.detected : 1,
    recall: s.truth ? s.tp / s.truth : 1,
    label: s.labelN ? s.labelOk / s.labelN : 1,
    state: s.stateN ? s.stateOk / s.stateN : 1,
  };
}

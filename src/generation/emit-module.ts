import { HELPER_ORDER, HELPERS } from './module-helpers.js';
import type { Helper } from './module-helpers.js';
import type { Plan } from './plan.js';
import { stepCode } from './step-code.js';

/**
 * Plan → module text. Every line of generated code is a constant of the emitter (this file,
 * module-helpers.ts, step-code.ts, step-finish.ts): the emitter only chooses and numbers templates, so nothing
 * a user typed can reach the code (values arrive through `input` at run time).
 */

/**
 * Steps are closures inside `run`: the static gate forbids passing `sdk` on (it could not follow what the
 * callee does with it), so only `run` itself and its own closures touch it.
 */
function runCode(plan: Plan, stepCodes: string[]): string {
  const n = plan.steps.length;
  const indent = (code: string) =>
    code
      .split('\n')
      .map((l) => (l ? '  ' + l : l))
      .join('\n');
  const lines = ['export default async function run(input, sdk) {', ...stepCodes.map(indent)];
  if (plan.mode === 'single') {
    lines.push('  return step0(input);', '}');
    return lines.join('\n');
  }
  lines.push('  const steps = Array.isArray(input.steps) ? input.steps : [];');
  const arg = (i: number) => `steps[${i}] || {}`;
  if (plan.mode === 'conditional') {
    lines.push(`  const condition = await step0(${arg(0)});`);
    lines.push(
      "  if (!condition.data.present) return { answer: 'The condition does not hold: ' + condition.answer, data: { present: false, condition: condition.data, actions: [] } };",
    );
    lines.push(`  const then = await step1(${arg(1)});`);
    lines.push(
      "  return { answer: condition.answer + ' ' + then.answer, data: { present: true, condition: condition.data, result: then.data, actions: then.data.actions || [] } };",
    );
    lines.push('}');
    return lines.join('\n');
  }
  if (plan.mode === 'sequence') {
    // In order: an action may change what the next step sees, so each step captures the screen anew.
    lines.push('  const results = [];');
    for (let i = 0; i < n; i++) lines.push(`  results.push(await step${i}(${arg(i)}));`);
  } else {
    const calls = Array.from({ length: n }, (_, i) => `step${i}(${arg(i)})`).join(', ');
    lines.push(`  const results = await Promise.all([${calls}]);`);
  }
  lines.push('  const parts = results.map((r) => r.data);');
  lines.push('  const actions = [];');
  lines.push('  for (const r of results) for (const a of r.data.actions || []) actions.push(a);');
  lines.push("  const answer = results.map((r) => r.answer).join(' ');");
  if (plan.ops[0] === 'compare') {
    lines.push('  const op = Array.isArray(input.ops) && input.ops.length ? input.ops[0] : {};');
    lines.push('  const a = parts[0].count;');
    lines.push('  const b = parts[1].count;');
    lines.push("  const holds = op.relation === 'fewer' ? a < b : op.relation === 'same' ? a === b : a > b;");
    lines.push(
      "  return { answer: (holds ? 'Yes. ' : 'No. ') + answer, data: { result: holds, present: holds, counts: [a, b], parts: parts } };",
    );
  } else if (
    plan.steps.every(
      (s) => s.action === 'count' || s.action === 'find' || s.action === 'list' || s.action === 'locate',
    ) &&
    plan.steps.every((s) => s.kind === 'shapes' && !s.ops.includes('aggregate'))
  ) {
    lines.push('  const counts = parts.map((p) => p.count);');
    lines.push('  const total = counts.reduce((x, y) => x + y, 0);');
    lines.push(
      "  return { answer: answer + ' (' + total + ' in all)', data: { count: total, counts: counts, parts: parts } };",
    );
  } else {
    lines.push(
      "  const text = parts.filter((p) => typeof p.text === 'string').map((p) => p.text).join('\\n');",
    );
    lines.push('  return { answer: answer, data: { parts: parts, actions: actions, text: text } };');
  }
  lines.push('}');
  return lines.join('\n');
}

/** The module for a plan: helpers, one function per step, the default-exported `run`. */
export function emitModule(plan: Plan): string {
  const helpers = new Set<Helper>();
  const steps = plan.steps.map((s, i) => stepCode(i, s, helpers));
  const used = HELPER_ORDER.filter((h) => helpers.has(h)).map((h) => HELPERS[h]);
  return [...used, runCode(plan, steps)].join('\n\n') + '\n';
}

import { readFileSync } from 'node:fs';
import type { DataOp, IntentFrame, PartFrame, Target, UnderstandResult } from '../src/domain/index.js';

/**
 * The labelled understanding corpus (test/fixtures/understanding/corpus.txt): commands written the way people
 * phrase requests, each with the frame it must parse to, and how the parser scores against it. The file's
 * header describes the notation. Lives beside the bench that reports it; the corpus itself is not shipped.
 */

export interface CorpusEntry {
  line: number;
  command: string;
  /** undefined: the command must not be served (`low`). */
  expected: Omit<IntentFrame, 'raw'> | undefined;
  half: 'dev' | 'test';
}

export const CORPUS_URL = new URL('../test/fixtures/understanding/corpus.txt', import.meta.url);

/** 32-bit FNV-1a: the split must not depend on the file's order, only on each command. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function tokens(spec: string): string[] {
  const out: string[] = [];
  const re = /([a-z-]+=(?:[a-z-]+:)?)?"((?:[^"\\]|\\.)*)"|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(spec))) out.push(m[2] !== undefined ? `${m[1] ?? ''}${m[2]}` : m[0]);
  return out;
}

function parseFrame(spec: string, where: string): PartFrame {
  const [action, kind, ...rest] = tokens(spec.trim());
  if (!action || !kind) throw new Error(`${where}: a frame needs an action and a target kind: "${spec}"`);
  const target: Target = { kind: kind as Target['kind'] };
  const frame: PartFrame = { action: action as PartFrame['action'], target };
  const ops: DataOp[] = [];
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq < 0) throw new Error(`${where}: expected key=value, got "${t}"`);
    const key = t.slice(0, eq);
    const value = t.slice(eq + 1);
    const p = value.split(':');
    switch (key) {
      case 'color':
      case 'shape':
      case 'label':
      case 'text':
      case 'size':
        (target as unknown as Record<string, string>)[key] = value;
        break;
      case 'region':
        frame.region = value as PartFrame['region'] & string;
        break;
      case 'quantity':
        frame.quantity = Number(value);
        break;
      case 'state':
        frame.state = value as 'on' | 'off';
        break;
      case 'to': {
        const [k, ...l] = p;
        frame.destination =
          k === 'region'
            ? { region: l.join(':') as PartFrame['region'] & string }
            : { target: { kind: k as Target['kind'], ...(l.length ? { label: l.join(':') } : {}) } };
        break;
      }
      case 'pick':
        ops.push({
          op: 'pick',
          by: p[0] as 'reading',
          order: p[1] as 'asc',
          index: Number(p[2]),
          count: p[3] ? Number(p[3]) : 1,
        });
        break;
      case 'exclude':
        ops.push({ op: 'exclude', by: p[0] as 'color', value: p.slice(1).join(':') });
        break;
      case 'rel':
        ops.push({ op: 'relative', relation: p[0] as 'near', anchor: p.slice(1).join(':') });
        break;
      case 'repeat':
        ops.push({ op: 'repeat', times: Number(value) });
        break;
      case 'sort':
        ops.push({ op: 'sort', by: p[0] as 'x', order: p[1] as 'asc' });
        break;
      case 'filter':
        ops.push({ op: 'filter', by: p[0] as 'size', cmp: p[1] as 'gt', value: Number(p[2]) });
        break;
      case 'agg':
        ops.push({ op: 'aggregate', fn: p[0] as 'max', by: p[1] as 'size' });
        break;
      case 'convert':
        ops.push({ op: 'convert', unit: value as 'cm' });
        break;
      case 'attr':
        ops.push({ op: 'attribute', of: value as 'color' });
        break;
      case 'group':
        ops.push({ op: 'group', by: 'line' });
        break;
      default:
        throw new Error(`${where}: unknown key "${key}"`);
    }
  }
  if (ops.length) frame.ops = ops;
  return frame;
}

function parseExpected(spec: string, where: string): Omit<IntentFrame, 'raw'> | undefined {
  if (spec === 'low') return undefined;
  const m = /^(seq|par|if|cmp-more|cmp-fewer):\s*(.*)$/.exec(spec);
  if (!m) return parseFrame(spec, where);
  const frames = m[2]!.split(' ; ').map((f) => parseFrame(f, where));
  if (m[1] === 'if') return { ...frames[1]!, condition: { frame: frames[0]! } };
  if (m[1]!.startsWith('cmp'))
    return {
      action: 'compare',
      target: { kind: 'shape' },
      parts: { mode: 'parallel', frames },
      ops: [{ op: 'compare', relation: m[1] === 'cmp-more' ? 'more' : 'fewer' }],
    };
  return {
    action: frames[0]!.action,
    target: frames[0]!.target,
    parts: { mode: m[1] === 'seq' ? 'sequence' : 'parallel', frames },
  };
}

export function loadCorpus(text: string = readFileSync(CORPUS_URL, 'utf8')): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) return;
    const at = line.lastIndexOf(' => ');
    if (at < 0) throw new Error(`corpus line ${i + 1}: no " => "`);
    const command = line.slice(0, at);
    out.push({
      line: i + 1,
      command,
      expected: parseExpected(line.slice(at + 4).trim(), `corpus line ${i + 1}`),
      half: fnv(command) % 2 === 0 ? 'dev' : 'test',
    });
  });
  return out;
}

/** The parts of a frame the corpus judges (a composed frame by its parts; `raw` never). */
function comparable(frame: Omit<IntentFrame, 'raw'>): unknown {
  const one = (f: PartFrame) => ({
    action: f.action,
    target: Object.fromEntries(Object.entries(f.target).sort(([a], [b]) => (a < b ? -1 : 1))),
    region: f.region,
    quantity: f.quantity,
    state: f.state,
    destination: f.destination,
    ops: f.ops?.length ? f.ops : undefined,
  });
  if (frame.condition) {
    const { condition, ...then } = frame;
    return { if: one(condition.frame as PartFrame), then: one({ ...then, parts: undefined } as PartFrame) };
  }
  if (frame.parts?.frames.length)
    return {
      mode: frame.parts.mode,
      parts: frame.parts.frames.map(one),
      ops: frame.parts.mode === 'parallel' && frame.ops?.length ? frame.ops : undefined,
    };
  return one(frame as PartFrame);
}

export function sameFrame(a: Omit<IntentFrame, 'raw'>, b: Omit<IntentFrame, 'raw'>): boolean {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

export interface CorpusScore {
  total: number;
  /** Share of commands whose outcome is right: the expected frame served, or `low` not served. */
  accuracy: number;
  /** Share of commands served (confidence at or above the threshold). */
  coverage: number;
  /** Among served commands, the share whose frame is wrong (or that should not have been served). */
  wrongButServed: number;
  misses: Array<{ entry: CorpusEntry; got: UnderstandResult; why: string }>;
}

export function scoreCorpus(
  entries: readonly CorpusEntry[],
  parse: (text: string) => UnderstandResult,
  threshold: number,
): CorpusScore {
  let right = 0;
  let served = 0;
  let wrongServed = 0;
  const misses: CorpusScore['misses'] = [];
  for (const entry of entries) {
    const got = parse(entry.command);
    const isServed = got.confidence >= threshold;
    if (isServed) served++;
    let ok: boolean;
    let why = '';
    if (!entry.expected) {
      ok = !isServed;
      if (!ok) why = 'served, expected low';
    } else if (!isServed) {
      ok = false;
      why = `not served (confidence ${got.confidence}; unexplained: ${(got.unexplained ?? []).join(' ')})`;
    } else {
      ok = sameFrame(got.frame, entry.expected);
      if (!ok) why = 'wrong frame';
    }
    if (ok) right++;
    else {
      if (isServed) wrongServed++;
      misses.push({ entry, got, why });
    }
  }
  const n = entries.length || 1;
  return {
    total: entries.length,
    accuracy: right / n,
    coverage: served / n,
    wrongButServed: served ? wrongServed / served : 0,
    misses,
  };
}

export function describeFrame(frame: Omit<IntentFrame, 'raw'>): string {
  return JSON.stringify(comparable(frame));
}

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house rules of docs/architecture.md, checked on every shipped source file under src/ (tests may reach
 * into what they test, so *.test.ts files are not checked):
 * (a) another folder is imported only through its `index.ts` (its face);
 * (b) no import cycle between folders;
 * (c) imports point down the layers below, never up and never sideways within a layer.
 * The files at src/'s root are the composition root (`ironcliw.ts` and its helpers): they import faces, and
 * the shells above them (server, cli, demo) import them; `src/index.ts`, the package's entry, is the top.
 */

/**
 * Lowest first; a folder may import only folders of a lower layer. The same order is in docs/architecture.md
 * ("Layers"); a new folder gets its place in both.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['domain'],
  ['config'],
  ['store', 'understanding', 'vision', 'synthesis', 'sandbox'],
  ['rollout', 'discovery', 'generation'],
  ['capabilities'],
  ['runtime', 'benchmark'],
  ['verification'],
  ['demonstration'],
  ['pipeline'],
  ['sharing'],
  ['(root)'],
  ['demo', 'server'],
  ['cli'],
  ['(entry)'],
];

/**
 * Deep imports that stay, each with its reason: the package entry re-exports the domain's contract types
 * (types.ts) and only those, not the error, id and SDK internals beside them.
 */
const DEEP_ALLOWED: ReadonlySet<string> = new Set(['index.ts -> domain/types.ts']);

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

interface Edge {
  from: string;
  to: string;
  fromUnit: string;
  toUnit: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !/\.test\.[mc]?[jt]s$/.test(e.name)) out.push(path);
  }
  return out;
}

/** src-relative path with / separators. */
const rel = (path: string) => relative(SRC, path).split(sep).join('/');

/** The folder a src-relative path belongs to; root files are '(root)', the package entry '(entry)'. */
function unitOf(path: string): string {
  if (path === 'index.ts') return '(entry)';
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : '(root)';
}

/** Every relative import (static, dynamic, re-export, type-only) between two different units. */
function crossEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = rel(file);
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = rel(resolve(dirname(file), fileName))
        .replace(/\.js$/, '.ts')
        .replace(/\.mjs$/, '.mts');
      const fromUnit = unitOf(from);
      const toUnit = unitOf(to);
      if (fromUnit !== toUnit) edges.push({ from, to, fromUnit, toUnit });
    }
  }
  return edges;
}

const show = (e: Edge) => `${e.from} -> ${e.to}`;
const edges = crossEdges();
const checked = edges;
const layerOf = new Map(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)));

describe('architecture: the layout of src/', () => {
  it('reads the imports (the check below is not vacuous)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.from === 'ironcliw.ts' && e.to === 'pipeline/index.ts')).toBe(true);
  });

  it('gives every folder a layer', () => {
    const units = new Set(sourceFiles(SRC).map((f) => unitOf(rel(f))));
    expect([...units].filter((u) => !layerOf.has(u))).toEqual([]);
  });

  it('(a) imports another folder only through its index.ts', () => {
    const deep = checked.filter(
      (e) =>
        e.toUnit !== '(root)' &&
        e.toUnit !== '(entry)' &&
        e.to !== `${e.toUnit}/index.ts` &&
        !DEEP_ALLOWED.has(show(e)),
    );
    expect(deep.map(show)).toEqual([]);
  });

  it('(b) has no import cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of checked) {
      if (!graph.has(e.fromUnit)) graph.set(e.fromUnit, new Set());
      graph.get(e.fromUnit)!.add(e.toUnit);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (u: string, path: string[]) => {
      state.set(u, 'open');
      for (const v of graph.get(u) ?? []) {
        if (state.get(v) === 'open') cycles.push([...path.slice(path.indexOf(v)), v].join(' -> '));
        else if (!state.has(v)) visit(v, [...path, v]);
      }
      state.set(u, 'done');
    };
    for (const u of graph.keys()) if (!state.has(u)) visit(u, [u]);
    expect(cycles).toEqual([]);
  });

  it('(c) imports only from lower layers', () => {
    const up = checked.filter((e) => {
      const a = layerOf.get(e.fromUnit);
      const b = layerOf.get(e.toUnit);
      return a === undefined || b === undefined || b >= a;
    });
    expect(
      up.map((e) => `${show(e)} (layer ${layerOf.get(e.fromUnit)} -> ${layerOf.get(e.toUnit)})`),
    ).toEqual([]);
  });

  it('keeps the allow-lists true (each entry still names an import that exists)', () => {
    const all = new Set(edges.map(show));
    expect([...DEEP_ALLOWED].filter((e) => !all.has(e))).toEqual([]);
  });
});

import type {
  Capability,
  CapabilityManifest,
  JsonSchema,
  Pattern,
  Permission,
  Violation,
} from '../domain/index.js';
import {
  COLORS,
  IroncliwError,
  NAMED_REGIONS,
  PERMISSIONS,
  SHAPES,
  UI_ELEMENT_KINDS,
} from '../domain/index.js';
import { capabilityIdFor } from './emit.js';
import { SLOT_SCHEMAS } from './manifest-schemas.js';
import type { Slot } from './plan.js';
import { PlanError, planPattern } from './plan.js';

/**
 * An optional generator that asks a language model for the capability's code: any OpenAI-compatible
 * `/chat/completions` endpoint. Off by default. The model only ever writes the module; the manifest (intents,
 * schemas, limits) is ours, permissions are what the static gate finds the code needs, and every attempt
 * goes through the same static gate and sandbox tests as template code — their findings are fed back to the
 * model for up to `maxAttempts` attempts.
 */
export interface LlmProviderOptions {
  /** e.g. `http://127.0.0.1:8080/v1` (the path `/chat/completions` is appended). */
  baseUrl: string;
  model: string;
  /** Name of the environment variable holding the API key (never the key itself). */
  apiKeyEnv?: string;
  /** Attempts including the first (repair loop length). */
  maxAttempts?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Longest reply accepted, in characters (a module is a few KB). */
  maxReplyChars?: number;
  /** Injected for tests and proxies; defaults to the global fetch. */
  fetch?: typeof fetch;
  env?: Record<string, string | undefined>;
}

/** The static gate, as synthesis/ provides it (`analyze(code, {permissions})`). */
export type StaticGate = (
  code: string,
  permissions: Permission[],
) => { safe: boolean; violations: Violation[]; requiredPermissions: Permission[] };

/** Runs the candidate's test cases in the sandbox; returns the problems (empty = all pass). */
export type SandboxTests = (capability: Capability) => Promise<string[]>;

export interface LlmAttempt {
  attempt: number;
  outcome: 'no_code' | 'unsafe' | 'tests_failed' | 'ok';
  problems: string[];
}

export type LlmResult =
  | { ok: true; capability: Capability; attempts: LlmAttempt[] }
  | { ok: false; reason: string; attempts: LlmAttempt[] };

export const LLM_DEFAULTS = Object.freeze({
  apiKeyEnv: 'IRONCLIW_LLM_API_KEY',
  maxAttempts: 3,
  timeoutMs: 30_000,
  maxReplyChars: 20_000,
});

/** What the model is told the SDK is: TypeScript declarations of the surface generated code may call. */
export const SDK_DECLARATIONS = `type Rect = { x: number; y: number; width: number; height: number };
type Item = { kind: string; shape?: string; color?: string; text?: string; bbox: Rect };
type Image = { $image: string; width: number; height: number }; // opaque handle: pixels stay on the host
type Region = ${NAMED_REGIONS.map((r) => `'${r}'`).join(' | ')} | Rect;
interface Sdk {
  screen: { capture(): Promise<Image> };                                   // needs screen.capture
  vision: {                                                                // needs vision.analyze
    region(image: Image, region: Region): Promise<Image>;
    findShapes(image: Image, query: { shape?: ${SHAPES.map((s) => `'${s}'`).join(' | ')}; color?: string; minArea?: number }): Promise<Item[]>;
    colors(image: Image): Promise<Array<{ name: string; share: number }>>;
    describe(image: Image): Promise<{ summary: string; shapes: Array<{ shape: string; color: string; count: number }> }>;
    readText(image: Image): Promise<{ text: string; words: Array<{ text: string; bbox: Rect; confidence: number }> }>; // needs ocr.read
    findText(image: Image, query: string): Promise<Item[]>;               // needs ocr.read
    elements(image: Image, query?: { kind?: ${UI_ELEMENT_KINDS.map((k) => `'${k}'`).join(' | ')}; text?: string; near?: { x: number; y: number } }): Promise<Array<{ kind: string; text: string; bbox: Rect; state: string[]; value?: string }>>; // UI controls with labels; state: checked|selected|focused|expanded|disabled
  };
  actions: {
    click(target: Item | { x: number; y: number }, options?: { button?: 'left' | 'right' }): Promise<{ type: 'click'; x: number; y: number; button?: 'right' }>; // needs actions.click
    hover(target: Item | { x: number; y: number }): Promise<{ type: 'hover'; x: number; y: number }>; // moves the pointer only; needs actions.click
    drag(from: Item | { x: number; y: number }, to: Item | { x: number; y: number }): Promise<{ type: 'drag'; x: number; y: number; to: { x: number; y: number } }>; // left button held from one point to another; needs actions.click
    type(text: string): Promise<{ type: 'type'; text: string }>;          // needs actions.type
    press(keys: string): Promise<{ type: 'press'; keys: string }>;        // needs actions.type
  };
  random(): number;             // injected, seeded: use instead of Math.random
  clock: { now(): number };     // injected: use instead of Date.now
  log(...args: unknown[]): void;
}
// Colours: ${COLORS.join(', ')}.
// The module: export default async function run(input: Record<string, unknown>, sdk: Sdk): Promise<{ answer: string; data: Record<string, unknown> }>
// data uses: count, items (Item[]), text, present, actions ([{type:'click',x,y,button?}|{type:'hover',x,y}|{type:'drag',x,y,to}|{type:'type',text}|{type:'press',keys}]), value, unit.`;

const RULES = `Rules: one ES2022 module, no imports, no require, no eval/Function, no timers, no network, no globalThis/process,
no prototype changes; every value from the command arrives in \`input\`; only call the SDK methods listed; report every
action performed in data.actions. Reply with the module only, in one \`\`\`js code block.`;

/** The slots an LLM-written capability's input schema carries (size and state: the template families only). */
const LLM_SLOTS: readonly Slot[] = ['color', 'shape', 'region', 'text', 'label', 'quantity'];

/** The manifest we stand behind: single-frame patterns only (compositions stay with the templates). */
function manifestFor(
  pattern: Pattern,
  version: number,
  failureIds: string[],
  permissions: Permission[],
): CapabilityManifest {
  const slots = pattern.parameters.filter((p): p is Slot => (LLM_SLOTS as readonly string[]).includes(p));
  const properties: Record<string, JsonSchema> = {};
  for (const s of slots) properties[s] = SLOT_SCHEMAS[s];
  let id: string;
  try {
    id = `llm-${capabilityIdFor(planPattern(pattern))}`.slice(0, 80);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    id = `llm-${pattern.frame.action}-${pattern.frame.target.kind}-${slots.join('-') || 'any'}`.slice(0, 80);
  }
  return {
    id,
    name: `LLM ${pattern.frame.action} ${pattern.frame.target.kind}`.slice(0, 120),
    version,
    description: `Generated by a language model for the pattern ${pattern.signature}.`.slice(0, 2000),
    intents: [{ action: pattern.frame.action, targetKind: pattern.frame.target.kind, slots, examples: [] }],
    permissions,
    inputSchema: { type: 'object', properties, additionalProperties: false },
    outputSchema: {
      type: 'object',
      required: ['answer', 'data'],
      properties: { answer: { type: 'string' }, data: { type: 'object' } },
    },
    limits: { timeoutMs: 5000, memoryMb: 64 },
    origin: { kind: 'generated', generator: 'llm', patternId: pattern.id, failureIds },
  };
}

/** The first fenced code block of a reply (or the whole reply when it is bare code). */
export function extractCode(reply: string): string | undefined {
  const m = /```(?:js|javascript|ts|typescript|mjs)?[ \t]*\n([\s\S]*?)```/.exec(reply);
  const code = (m ? m[1]! : reply).trim();
  return /export\s+default\s+async\s+function/.test(code) ? code + '\n' : undefined;
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmPreviousVersion {
  version: number;
  code: string;
  reason: string;
  failures: Array<{ command: string; category: string; message: string }>;
}

export interface LlmProvider {
  readonly options: Readonly<Required<Omit<LlmProviderOptions, 'fetch' | 'env'>>>;
  /**
   * Asks the model for the pattern's module and repairs it with the gate's and the tests' findings.
   * `examples` are commands users sent (shown as data, JSON-encoded).
   */
  generate(request: {
    pattern: Pattern;
    version: number;
    failureIds: string[];
    examples: string[];
    gate: StaticGate;
    tests: SandboxTests;
    /**
     * Evolution: the live version being replaced, why, and failures users met with it (commands and
     * messages travel JSON-encoded, as data). The model is asked for a version that avoids them.
     */
    previous?: LlmPreviousVersion;
  }): Promise<LlmResult>;
}

/**
 * @example
 * const llm = createLlmProvider({ baseUrl: 'http://127.0.0.1:8080/v1', model: 'qwen2.5-coder' });
 * const r = await llm.generate({ pattern, version: 1, failureIds, examples, gate: analyzeGate, tests });
 */
export function createLlmProvider(options: LlmProviderOptions): LlmProvider {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw new IroncliwError('E_INPUT_INVALID', `llm.baseUrl "${options.baseUrl}" is not a URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new IroncliwError('E_INPUT_INVALID', 'llm.baseUrl must be http: or https:');
  if (!options.model) throw new IroncliwError('E_INPUT_INVALID', 'llm.model is required');
  const resolved = {
    baseUrl: base.toString().replace(/\/+$/, ''),
    model: options.model,
    apiKeyEnv: options.apiKeyEnv ?? LLM_DEFAULTS.apiKeyEnv,
    maxAttempts: options.maxAttempts ?? LLM_DEFAULTS.maxAttempts,
    timeoutMs: options.timeoutMs ?? LLM_DEFAULTS.timeoutMs,
    maxReplyChars: options.maxReplyChars ?? LLM_DEFAULTS.maxReplyChars,
  };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1 || resolved.maxAttempts > 10)
    throw new IroncliwError('E_INPUT_INVALID', 'llm.maxAttempts must be an integer in 1..10');
  const doFetch = options.fetch ?? fetch;
  const env = options.env ?? process.env;

  const chat = async (messages: ChatMessage[]): Promise<string> => {
    const key = env[resolved.apiKeyEnv];
    const res = await doFetch(`${resolved.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model: resolved.model, messages, temperature: 0 }),
      signal: AbortSignal.timeout(resolved.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok)
      throw new IroncliwError('E_INTERNAL', `LLM endpoint answered ${res.status}: ${text.slice(0, 200)}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new IroncliwError('E_INTERNAL', 'LLM endpoint did not answer JSON');
    }
    const content = (body as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message
      ?.content;
    if (typeof content !== 'string')
      throw new IroncliwError('E_INTERNAL', 'LLM reply has no message content');
    return content.slice(0, resolved.maxReplyChars);
  };

  return {
    options: resolved,
    async generate({ pattern, version, failureIds, examples, gate, tests, previous }) {
      if (pattern.frame.condition || pattern.frame.parts)
        return { ok: false, reason: 'combinations are generated by the templates only', attempts: [] };
      const task = {
        signature: pattern.signature,
        frame: pattern.frame,
        inputs: pattern.parameters,
        examples: examples.slice(0, 10),
        ...(previous
          ? {
              replaces: {
                version: previous.version,
                why: previous.reason,
                failures: previous.failures.slice(0, 10),
                code: previous.code,
              },
            }
          : {}),
      };
      const messages: ChatMessage[] = [
        {
          role: 'system',
          content: `You write one capability module for Ironcliw, a screen assistant.\nThe SDK:\n\`\`\`ts\n${SDK_DECLARATIONS}\n\`\`\`\n${RULES}`,
        },
        {
          role: 'user',
          // The users' words are data: JSON-encoded, never spliced into instructions.
          content:
            `Write the module for this request pattern (JSON):\n${JSON.stringify(task, null, 2)}` +
            (previous
              ? `\nIt replaces version ${previous.version} (\`replaces\`: its code and what went wrong with it); do better.`
              : ''),
        },
      ];
      const attempts: LlmAttempt[] = [];
      for (let attempt = 1; attempt <= resolved.maxAttempts; attempt++) {
        const reply = await chat(messages);
        messages.push({ role: 'assistant', content: reply });
        const code = extractCode(reply);
        let problems: string[];
        let outcome: LlmAttempt['outcome'];
        if (!code) {
          outcome = 'no_code';
          problems = ['the reply holds no module with `export default async function run(input, sdk)`'];
        } else {
          // Permissions are what the code needs — asked for by the gate, not by the model.
          const probe = gate(code, [...PERMISSIONS]);
          const permissions = PERMISSIONS.filter((p) => probe.requiredPermissions.includes(p));
          const report = gate(code, permissions);
          if (!report.safe) {
            outcome = 'unsafe';
            problems = report.violations.map((v) => `${v.rule} at ${v.line}:${v.column}: ${v.message}`);
          } else {
            const capability: Capability = {
              manifest: manifestFor(pattern, version, failureIds, permissions),
              code,
            };
            problems = await tests(capability);
            outcome = problems.length ? 'tests_failed' : 'ok';
            if (!problems.length) {
              attempts.push({ attempt, outcome, problems });
              return { ok: true, capability, attempts };
            }
          }
        }
        attempts.push({ attempt, outcome, problems });
        messages.push({
          role: 'user',
          content:
            `${outcome === 'unsafe' ? 'The static safety gate refused the module' : outcome === 'no_code' ? 'No module found' : 'The sandbox tests failed'}:\n` +
            problems
              .slice(0, 10)
              .map((p) => `- ${p.slice(0, 300)}`)
              .join('\n') +
            '\nFix it and reply with the whole module.',
        });
      }
      return {
        ok: false,
        reason: `no acceptable module after ${resolved.maxAttempts} attempts: ${attempts.map((a) => a.outcome).join(', ')}`,
        attempts,
      };
    },
  };
}

import { ANY_REGION, POLITENESS, regionOf } from './lexicon.js';
import { correctSlips, slipsActive } from './typos.js';

const NON_ASCII = /[^\t-\r -~\u27e6\u27e7]/;
/** Whitespace other than single spaces. */
const SPACES = /\s\s|[^\S ]/;

/** The lower-cased text the rules read, and the same text in its original case (labels keep their case). */
export class Span {
  constructor(
    public s: string,
    public o: string,
  ) {}

  static of(text: string): Span {
    // NFKC is the costliest step of a parse and changes nothing in ASCII (nor in the quote placeholders ⟦i⟧).
    const n = NON_ASCII.test(text) ? text.normalize('NFKC').replace(/[\u2018\u2019]/g, "'") : text;
    const o = (SPACES.test(n) ? n.replace(/\s+/g, ' ') : n).trim();
    const s = o.toLowerCase();
    // Lower-casing can change lengths in a few scripts; then the original case is given up, not misaligned.
    return new Span(s, s.length === o.length ? o : s);
  }

  /** Removes [index, index + length) and tidies spaces in both strings. */
  cut(index: number, length: number): void {
    this.s = tidy(this.s, index, length);
    this.o = tidy(this.o, index, length);
  }

  /** Cuts the first match of `re` and returns it (with the original-case text of each group). */
  take(re: RegExp): Taken | undefined {
    const m = re.exec(this.s);
    if (!m) return undefined;
    const taken = new Taken(m, this.o);
    this.cut(m.index, m[0].length);
    return taken;
  }
}

/** A match cut from a span: the groups as matched (lower case) and, on demand, as said. */
export class Taken {
  constructor(
    readonly m: RegExpExecArray,
    /** The original-case text the match was cut from. */
    private readonly o: string,
  ) {}

  /** The original-case text of a group ('' when it did not match). */
  orig(group: number): string {
    const g = this.m[group];
    if (g === undefined || group === 0) return g ?? '';
    const rel = this.m[0].indexOf(g);
    const at = this.m.index + rel;
    return rel >= 0 ? this.o.slice(at, at + g.length) : g;
  }
}

/** `x` without [index, index + length), the spaces around the cut made one. */
function tidy(x: string, index: number, length: number): string {
  const a = x.slice(0, index).trimEnd();
  const b = x.slice(index + length).trimStart();
  return a && b ? a + ' ' + b : a || b;
}

/** Non-global copies (a global regex keeps `lastIndex` between calls). */
const POLITE = POLITENESS.map((p) => new RegExp(p.source, p.flags.replace('g', '')));
/** All of them in one pass: most commands have no politeness, and then none is tried on its own. */
const ANY_POLITE = new RegExp(POLITENESS.map((p) => `(?:${p.source})`).join('|'));

export function normalizeText(text: string): Span {
  const span = Span.of(text);
  // Typing slips and chat shorthand ("clikc", "sqaures", "can u", "thx"), on a second reading only (parser.ts):
  // first, so politeness and every rule after read the words as meant.
  const fixed = slipsActive() ? correctSlips(span.s, span.o) : undefined;
  if (fixed) {
    span.s = fixed.s;
    span.o = fixed.o;
  }
  // Twice over: removing one hedge can uncover another ("thanks, now click OK").
  for (let pass = 0, cut = ANY_POLITE.test(span.s); pass < 2 && cut; pass++) {
    cut = false;
    for (const re of POLITE) {
      for (let guard = 0; guard < 4; guard++) {
        const m = re.exec(span.s);
        if (!m || m[0].length === 0) break;
        span.cut(m.index, m[0].length);
        cut = true;
      }
    }
    const lead = /^[,\s]+/.exec(span.s);
    if (lead) span.cut(0, lead[0].length);
  }
  // "In the toolbar, count the circles", "at the top, click Save": a place said first is the place of what
  // follows; said last, every rule reads it ("count the circles in the toolbar"). Only a place the region
  // words name, before a comma.
  const place = /^((?:in|on|at|inside|within) (?:the )?([a-z -]{3,30})), (?=\S)/.exec(span.s);
  // Not before several steps ("In the toolbar, click Save and count the circles"): said last it would be the last
  // step's place only.
  if (
    place &&
    ANY_REGION.test(place[2]!) &&
    regionOf(place[2]!) &&
    !/,|;| and | then /.test(span.s.slice(place[0].length))
  ) {
    const n = place[0].length;
    span.s = `${span.s.slice(n)} ${place[1]!}`;
    span.o = `${span.o.slice(n)} ${span.o.slice(0, place[1]!.length)}`;
  }
  // "Count the red squares. Thanks!": the punctuation left around a removed word.
  const trail = /[?!.,;:](?:[\s?!.,;:]*)$/.exec(span.s);
  if (trail) span.cut(trail.index, trail[0].length);
  const lead = /^[,\s]+/.exec(span.s);
  if (lead) span.cut(0, lead[0].length);
  return span;
}

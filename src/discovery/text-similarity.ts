/**
 * Text similarity for commands the parser only partly understood: their frames are unreliable (a word it
 * did not know may be the whole point), so such failures are clustered by what the user wrote instead.
 */

const STOP = new Set(
  (
    'the a an of on in at to from for with and or is are be there any all some this that these those it its ' +
    'me my you your please can could would will do does did i we us show tell what which how'
  ).split(' '),
);

/** Lower-case content words, with a plural "s" dropped so "widgets" and "widget" agree. */
export function contentWords(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && !STOP.has(w))
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

function trigrams(words: string[]): Set<string> {
  const out = new Set<string>();
  for (const w of words) {
    const s = ` ${w} `;
    for (let i = 0; i + 3 <= s.length; i++) out.add(s.slice(i, i + 3));
  }
  return out;
}

function dice<T>(a: Set<T>, b: Set<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const x of a) if (b.has(x)) both++;
  return (2 * both) / (a.size + b.size);
}

/**
 * 0..1: the mean of the Dice coefficients over content words (same words, any order) and over their
 * character trigrams (tolerates typos and inflections). Commands capped at 500 characters each.
 */
export function textSimilarity(a: string, b: string): number {
  const wa = contentWords(a.slice(0, 500));
  const wb = contentWords(b.slice(0, 500));
  return (dice(new Set(wa), new Set(wb)) + dice(trigrams(wa), trigrams(wb))) / 2;
}

/** The cluster key of a text pattern: its representative command's content words. */
export function textKey(text: string): string {
  return contentWords(text.slice(0, 500)).join(' ').slice(0, 160);
}

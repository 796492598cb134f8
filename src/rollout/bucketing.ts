import murmurhash from 'murmurhash';

const encoder = new TextEncoder();
// One reusable buffer: murmurhash would otherwise build a new TextEncoder and array per call, which
// dominated routing time in `npm run bench`. Safe because bucketing is synchronous.
const scratch = new Uint8Array(1024);

/** Number of buckets: percentages are expressed in basis points (1% = 100). */
export const BUCKETS = 10_000;

/**
 * A user's stable bucket for one rollout: MurmurHash3 (x86, 32-bit) of the UTF-8 bytes of
 * `rolloutKey:userId` into 0..9999. Pure, so every node and every restart agrees. Raising a percentage keeps
 * everyone already in (bucket < percentage is monotonic).
 */
export function bucketOf(rolloutKey: string, userId: string, seed = 0): number {
  const key = `${rolloutKey}:${userId}`;
  if (key.length * 3 > scratch.length) return murmurhash.v3(encoder.encode(key), seed) % BUCKETS;
  const { written } = encoder.encodeInto(key, scratch);
  return murmurhash.v3(scratch.subarray(0, written), seed) % BUCKETS;
}

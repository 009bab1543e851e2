// Test tiers. `npm test` runs the fuzzers and kill loops at a few thousand cases and a few kills;
// `npm run test:slow` (OBR_SLOW=1) runs them at full strength (100 000 cases, 50 kills). Every
// random choice they make comes from one seed: fixed by default so a run is repeatable, and
// OBR_SEED=<n> replays (or explores) another. A test file that imports this module belongs to the
// slow tier: scripts/test.ts finds the files of `npm run test:slow` by that import.
import { seededRandom as labRandom } from "../../src/connectors/lab/content.ts";

/** The seed every run uses unless OBR_SEED says otherwise. */
export const DEFAULT_SEED = 20_261_111;

function parseSeed(text: string | undefined): number {
  if (text === undefined || text === "") return DEFAULT_SEED;
  // fast-check takes a 32-bit integer; a wider one would be silently truncated and not replay.
  if (!/^\d+$/.test(text) || Number(text) > 0x7fff_ffff) throw new Error(`OBR_SEED must be an integer from 0 to ${0x7fff_ffff}, not '${text}'`);
  return Number(text);
}

export const slow = process.env.OBR_SLOW === "1";
export const seed = parseSeed(process.env.OBR_SEED);

/** The number of cases (runs, kills, rounds) of the current tier. */
export function cases(fast: number, slowCount: number): number {
  return slow ? slowCount : fast;
}

/**
 * A test's time limit: its own in the fast tier; in the slow tier, with 10 to 50 times the cases,
 * at least 15 minutes, so that a busy machine slows the run down rather than failing it.
 */
export function timeLimit(fastMs: number): number {
  return slow ? Math.max(fastMs, 900_000) : fastMs;
}

/**
 * A seeded PRNG returning floats in [0, 1), for loops that pick random moments. `stream`
 * separates independent uses of the one seed so that they do not draw the same numbers.
 */
export function seededRandom(stream = 0): () => number {
  return labRandom(seed + stream * 7919);
}

/** One line saying which tier runs with which seed, and how to replay it. */
export function tierBanner(): string {
  const command = slow ? "npm run test:slow" : "npm test";
  return `test tier: ${slow ? "slow" : "fast"}, seed ${seed} (replay: OBR_SEED=${seed} ${command})`;
}

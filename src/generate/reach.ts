/**
 * When a trained family's generated statistics arrive, with intervals over families (docs/generate.md):
 * each walker trains its own family (its own streams at every level), so the families are independent
 * seeds of the same experiment. Per family, the first snapshot n at which a statistic has covered a
 * fraction f of the way from its start (the pooled first snapshot) to its target (the oracle on the same
 * grid, the best any family can do there); per family, the median over levels of the overlaps' first
 * hitting steps. Both are summarised by their median over families with a percentile-bootstrap 95 %
 * interval, "not reached" counted as censored (ranked last), as the sweeps do.
 */
import { censoredMedian, type Hit, medianCI } from "../experiments/stats.js";
import { type LawStats, STAT_NAMES, type StatName } from "./law.js";
import type { SampleStats } from "./stats.js";

/** The fractions of the way to the oracle that `reach` reports. */
export const REACH_FRACTIONS = [0.1, 0.5, 0.8] as const;

/** A median over families with its interval; null ends: the interval reaches censored values. */
export interface FamilyInterval {
  /** Per family: the value, null when not reached within the budget. */
  perFamily: Hit[];
  median: number | null;
  lo: number | null;
  hi: number | null;
  censored: number;
}

export interface ReachRow {
  /** Fraction of the way from the first snapshot to the oracle. */
  fraction: number;
  /** Per statistic; null when the oracle and the first snapshot are within 3 SE (nothing to learn). */
  stats: Record<StatName, FamilyInterval | null>;
}

/** What the reach computation needs of a snapshot: its n, pooled statistics, and per-family ones. */
export interface SnapshotLike extends SampleStats {
  n: number;
  /** Per family (walker), when there is more than one. */
  families?: LawStats[];
}

function interval(hits: Hit[]): FamilyInterval {
  const ci = medianCI(hits, { seed: 1 });
  return { perFamily: hits, median: ci.median, lo: ci.lo, hi: ci.hi, censored: ci.censored };
}

/** Per family's statistic k at snapshot s (the pooled value when the families are not stored). */
function familyValue(s: SnapshotLike, f: number, k: StatName): number {
  return s.families?.[f]?.[k] ?? s[k];
}

/** The first n at which progress(s) reaches `level`, interpolated linearly in log n between the snapshot
 * that first reaches it and the one before (the snapshots are log-spaced); null if none does. */
export function crossing(
  snapshots: readonly SnapshotLike[],
  progress: (s: SnapshotLike) => number,
  level: number,
): number | null {
  const j = snapshots.findIndex((s) => progress(s) >= level);
  if (j < 0) return null;
  if (j === 0) return snapshots[0].n;
  const p0 = progress(snapshots[j - 1]);
  const p1 = progress(snapshots[j]);
  const x = (level - p0) / (p1 - p0);
  const l0 = Math.log(snapshots[j - 1].n);
  const l1 = Math.log(snapshots[j].n);
  return Math.round(Math.exp(l0 + x * (l1 - l0)));
}

/** The n at which each statistic reaches each fraction of the way to the oracle, per family. */
export function reachRows(
  oracle: SampleStats,
  snapshots: readonly SnapshotLike[],
  families: number,
  fractions: readonly number[] = REACH_FRACTIONS,
): ReachRow[] {
  return fractions.map((fraction) => {
    const stats = {} as Record<StatName, FamilyInterval | null>;
    for (const k of STAT_NAMES) {
      stats[k] = null;
      if (snapshots.length === 0) continue;
      const first = snapshots[0];
      const gap = oracle[k] - first[k];
      const se = Math.hypot(oracle.se[k] ?? 0, first.se[k] ?? 0);
      if (!(Math.abs(gap) > 3 * se)) continue;
      const hits: Hit[] = [];
      for (let f = 0; f < families; f++)
        hits.push(crossing(snapshots, (s) => (familyValue(s, f, k) - first[k]) / gap, fraction));
      stats[k] = interval(hits);
    }
    return { fraction, stats };
  });
}

/** Per family: the median over levels of its first hitting step (null: not hit, ranked last); then their
 * median over families with its interval. `hits[level][family]`. */
export function levelHitInterval(hits: readonly (readonly Hit[])[]): FamilyInterval {
  const families = hits[0]?.length ?? 0;
  const perFamily: Hit[] = [];
  for (let f = 0; f < families; f++) perFamily.push(censoredMedian(hits.map((h) => h[f])));
  return interval(perFamily);
}

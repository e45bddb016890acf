// The per-walker loops every backend's entry points share: n training steps on the walker's training
// stream with the hits recorded after each, and the mean loss over fresh samples of its evaluation
// stream. Each takes the backend's step (or sample-and-loss) as a function of the walker, called
// indirectly once per step: a few ns against a step's O(K d) (full) or O(K^2 D) (general chain) work. The
// reduced chain's K = 1 paths, where a step is ~50 ns, keep their own loops (reduced/single.ts, group.ts).
import { rngLoad, rngStore } from "./rng";
import { recordHits } from "./overlaps";
import { RNG_EVAL, RNG_TRAIN, STEP } from "./globals";

/** Runs step(w) n times on walker w's training stream, recording hits after each step. Returns n, or -s
 * when step s gave a non-finite value (step returned false; the walker then stops at step s). */
// @ts-ignore: decorator
@inline
export function runSteps(w: i32, n: f64, step: (w: i32) => bool): f64 {
  const rng = RNG_TRAIN + (<usize>w << 5);
  const stepPtr = STEP + (<usize>w << 3);
  let s = load<f64>(stepPtr);
  rngLoad(rng);
  let done: f64 = 0;
  let ok: bool = true;
  while (done < n) {
    ok = step(w);
    s += 1;
    done += 1;
    if (!ok) break;
    recordHits(w, s);
  }
  rngStore(rng);
  store<f64>(stepPtr, s);
  return ok ? done : -s;
}

/** The mean of loss(w) over n calls on walker w's evaluation stream (each draws a fresh sample). */
// @ts-ignore: decorator
@inline
export function meanLoss(w: i32, n: i32, loss: (w: i32) => f64): f64 {
  const rng = RNG_EVAL + (<usize>w << 5);
  rngLoad(rng);
  let sum: f64 = 0;
  for (let s = 0; s < n; s++) sum += loss(w);
  rngStore(rng);
  return sum / <f64>n;
}

// @ts-check
/**
 * The second thread of forward tracking (`forward-threads.ts`): it computes the Jacobian columns
 * [half, P) of every step (those the main thread has not taken) while the main thread computes [0, half), in the run's shared
 * WebAssembly memory. Plain JavaScript with no import but Node's, so it starts in a few
 * milliseconds from the sources (no TypeScript loader) and from the built `dist/` alike, where
 * `packages/cli/build.mjs` copies it next to `core.js`.
 *
 * It instantiates its own copy of the forward kernel (compiled for the same run memory), with the
 * math module and `Math.pow` as its imports, and calls its all-directions variant over its chunks
 * with a direction buffer (P zeros) and a scratch area of its own. Per step, the main thread writes the step's byte offsets into the control
 * block and bumps `GO` to the step's number; this thread spins briefly on `GO`, then sleeps in
 * `Atomics.wait`; it claims its columns chunk by chunk, and after each stores the step's number
 * in the chunk's `DONE` slot and wakes the main thread if it sleeps.
 */
import { workerData } from 'node:worker_threads';

/** Control block slots (an `Int32Array` on a `SharedArrayBuffer`); the layout is `forward-threads.ts`'s `SLOT`. */
const GO = 0;
const STOP = 1;
const S = 2;
const THETA = 3;
const IDX = 4;
const COUNT = 5;
const H = 6;
const CURRENT = 7;
const NEXT = 8;
const STATE = 16;
const WORKER_ASLEEP = 17;
const MAIN_ASLEEP = 18;
const CLAIM = 32;
const DONE = 48;
const READY = 1;
const FAILED = 2;

const { memory, kernel, math, control, direction, scratch, chunks, spins } = workerData;
const ctl = new Int32Array(control);
/** Chunk j is columns [chunks[j], chunks[j + 1]). */
const bounds = Int32Array.from(chunks);
const last = bounds.length - 1;

/** Runs the step loop; throws only when instantiating fails. */
function serve() {
  const mathInstance = new WebAssembly.Instance(math, {});
  const instance = new WebAssembly.Instance(kernel, { env: { memory, pow: Math.pow }, math: mathInstance.exports });
  const forward = /** @type {(x: number, th: number, t: number, u: number, idx: number, count: number, out: number, h: number, from: number, to: number, scratch: number) => void} */ (
    instance.exports.directions
  );
  Atomics.store(ctl, STATE, READY);
  Atomics.notify(ctl, STATE);
  let seen = 0;
  for (;;) {
    let spin = 0;
    while (Atomics.load(ctl, GO) === seen) {
      if (++spin > spins) {
        // Announced before the last look at GO, so the main thread, which bumps GO before it looks here, wakes this thread or it sees GO.
        Atomics.store(ctl, WORKER_ASLEEP, 1);
        Atomics.wait(ctl, GO, seen);
        Atomics.store(ctl, WORKER_ASLEEP, 0);
        spin = 0;
      }
    }
    seen = Atomics.load(ctl, GO);
    if (Atomics.load(ctl, STOP) !== 0) return;
    const s = ctl[S];
    const theta = ctl[THETA];
    const idx = ctl[IDX];
    const count = ctl[COUNT];
    const h = ctl[H];
    const current = ctl[CURRENT];
    const next = ctl[NEXT];
    // Chunks in increasing order, each claimed for this step first: the main thread takes the
    // ones this thread has not claimed when it is done with its own (from the last one down), so
    // a claim that fails ends this step here. A claim carries the step's number, so a thread late
    // by a step or more claims nothing and its offsets (maybe torn) are never used.
    for (let j = 0; j < last; j++) {
      if (Atomics.compareExchange(ctl, CLAIM + j, seen - 1, seen) !== seen - 1) break;
      // The same call as ForwardTracker's over its columns, by the same code.
      forward(s, theta, current, direction, idx, count, next, h, bounds[j], bounds[j + 1], scratch);
      Atomics.store(ctl, DONE + j, seen);
      // A wake-up is a system call: made only when the main thread sleeps (it announces it before its last look at DONE).
      if (Atomics.load(ctl, MAIN_ASLEEP) !== 0) Atomics.notify(ctl, DONE + j);
    }
  }
}

try {
  serve();
} catch {
  // Every claimed chunk is marked done, and the main thread, seeing FAILED, computes them itself.
  Atomics.store(ctl, STATE, FAILED);
  for (let j = 0; j < last; j++) {
    Atomics.store(ctl, DONE + j, Atomics.load(ctl, CLAIM + j));
    Atomics.notify(ctl, DONE + j);
  }
  Atomics.notify(ctl, STATE);
}

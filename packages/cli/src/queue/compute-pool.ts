/** A fixed number of compute threads ({@link ComputeRequest} in, {@link ComputeReply} out), one run at a time each. */
import { Worker } from 'node:worker_threads';
import type { ComputeReply, ComputeRequest } from './compute-thread.ts';

/** A thread and the reply it owes, if busy. */
interface Slot {
  thread: Worker;
  pending?: { resolve: (reply: ComputeReply) => void; reject: (error: Error) => void };
}

/** Compute threads; `run` takes an idle one (the caller never asks for more than `size` at once). */
export class ComputePool {
  private readonly slots: Slot[] = [];

  /** @param size - the number of threads */
  constructor(private readonly size: number) {}

  /** A new thread in `slot`; a thread that dies fails its run (BullMQ retries the job) and is replaced on next use. */
  private start(slot: Slot): void {
    slot.thread = new Worker(new URL('./compute-thread.mjs', import.meta.url));
    slot.thread.on('message', (reply: ComputeReply) => {
      const pending = slot.pending;
      slot.pending = undefined;
      pending?.resolve(reply);
    });
    const fail = (error: Error): void => {
      const pending = slot.pending;
      slot.pending = undefined;
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      pending?.reject(error);
    };
    slot.thread.on('error', fail);
    slot.thread.on('exit', (code) => fail(new Error(`a compute thread exited with code ${code}`)));
  }

  /** Runs `request` on an idle thread. */
  run(request: ComputeRequest): Promise<ComputeReply> {
    let slot = this.slots.find((s) => !s.pending);
    if (!slot) {
      if (this.slots.length >= this.size) return Promise.reject(new Error('internal error: more runs than compute threads'));
      slot = {} as Slot;
      this.start(slot);
      this.slots.push(slot);
    }
    const chosen = slot;
    return new Promise((resolve, reject) => {
      chosen.pending = { resolve, reject };
      chosen.thread.postMessage(request);
    });
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    const threads = this.slots.splice(0).map((s) => s.thread);
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
}

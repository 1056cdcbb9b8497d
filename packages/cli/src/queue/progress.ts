/**
 * The submitter's view of its jobs: done, running, failed, and the time left, as a bar on a
 * terminal (nothing otherwise); notes from the workers (a refusal) are printed once each.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { Output } from '../program.ts';

/** Counts of a submission's jobs, shown as they change. */
export class QueueProgress {
  private readonly running = new Set<string>();
  private readonly notes = new Set<string>();
  private failures = 0;
  private finished = 0;
  /** Jobs finished since this submitter started (not the ones a --resume found done): the ETA's rate. */
  private finishedHere = 0;
  private readonly started = performance.now();
  private readonly bar?: SingleBar;

  /**
   * @param total - the submission's jobs
   * @param io - where notes are printed
   */
  constructor(
    total: number,
    private readonly io: Output,
  ) {
    if (!process.stderr.isTTY) return;
    this.bar = new SingleBar(
      { stream: process.stderr, format: 'sgd queue [{bar}] {value}/{total} done | {running} running | {failed} failed | eta {left}', hideCursor: true },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { running: 0, failed: 0, left: '?' });
  }

  /** Jobs done so far. */
  get doneCount(): number {
    return this.finished;
  }

  private update(): void {
    if (!this.bar) return;
    const seconds = (performance.now() - this.started) / 1000;
    const left = this.finishedHere > 0 ? `${Math.ceil((seconds / this.finishedHere) * (this.bar.getTotal() - this.finished))}s` : '?';
    this.bar.update(this.finished, { running: this.running.size, failed: this.failures, left });
  }

  /** A job started on a worker. */
  active(id: string): void {
    this.running.add(id);
    this.update();
  }

  /** A job went back to the queue (its worker stopped). */
  waiting(id: string): void {
    this.running.delete(id);
    this.update();
  }

  /** A job finished (`here`: since this submitter started, not found done by --resume). */
  done(id: string, here = true): void {
    this.running.delete(id);
    this.finished++;
    if (here) this.finishedHere++;
    this.update();
  }

  /** A job failed for good. */
  failed(): void {
    this.failures++;
    this.update();
  }

  /** Prints `text` once. */
  note(text: string): void {
    if (this.notes.has(text)) return;
    this.notes.add(text);
    this.io.err(text);
  }

  /** Removes the bar. */
  stop(): void {
    this.bar?.stop();
  }
}

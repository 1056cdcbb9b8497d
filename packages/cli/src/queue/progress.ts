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
      { stream: process.stderr, format: 'sgd queue [{bar}] {value}/{total} done | {running} running | {failed} failed | eta {eta_formatted}', hideCursor: true, etaBuffer: 50 },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { running: 0, failed: 0 });
  }

  /** Jobs done so far. */
  get doneCount(): number {
    return this.finished;
  }

  private update(): void {
    this.bar?.update(this.finished, { running: this.running.size, failed: this.failures });
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

  /** A job finished. */
  done(id: string): void {
    this.running.delete(id);
    this.finished++;
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

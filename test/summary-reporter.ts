/**
 * Prints one plain closing line, `Tests: N passed, N failed`, after vitest's own summary, so
 * that tools reading only the last lines of a run (CI) can count the tests; and the test files
 * that failed before any test ran (an error while collecting), which count no test.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const broken: string[] = [];
    for (const module of testModules) {
      if (module.state() === 'failed' && module.children.size === 0) broken.push(module.moduleId);
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    if (broken.length > 0) process.stdout.write(`Test files that failed to load: ${broken.length} (${broken.join(', ')})\n`);
  }
}

/**
 * How many statements of each kind a file may have: one `minimize`, `outer`, `solve`,
 * `outer_solve` and `report`, and two `sample`s (one for `minimize`, one for `outer`).
 */
import type { Statement } from '../ast.ts';
import type { CheckContext } from './context.ts';
import { MAX_SAMPLES } from './samples.ts';

/** The limited statements, with the most allowed and how the limit is worded. */
const LIMITS: Readonly<Partial<Record<Statement['$type'], { readonly max: number; readonly rule: string }>>> = {
  SampleDecl: { max: MAX_SAMPLES, rule: "at most two sample declarations are supported (one for 'minimize', one for 'outer')" },
  MinimizeDecl: { max: 1, rule: "only one 'minimize' is allowed" },
  OuterDecl: { max: 1, rule: "only one 'outer' is allowed" },
  SolveDecl: { max: 1, rule: "only one 'solve' block is allowed" },
  OuterSolveDecl: { max: 1, rule: "only one 'outer_solve' block is allowed" },
  ReportDecl: { max: 1, rule: "only one 'report' is allowed" },
};

/** Counts statements as they come and reports those over their kind's limit. */
export class StatementLimits {
  private readonly seen = new Map<Statement['$type'], Statement[]>();

  constructor(private readonly ctx: CheckContext) {}

  /** Records a statement; reports `duplicate-statement` and returns false when it is one too many. */
  admit(statement: Statement): boolean {
    const limit = LIMITS[statement.$type];
    // Only the limited kinds are kept, and in place: copying the list per statement made 100,000 consts quadratic.
    if (!limit) return true;
    let earlier = this.seen.get(statement.$type);
    if (!earlier) this.seen.set(statement.$type, (earlier = []));
    if (earlier.length >= limit.max) {
      const lines = earlier.map((s) => s.range.start.line);
      const where = lines.length === 1 ? `the first is on line ${lines[0]}` : `the first ${lines.length === 2 ? 'two' : lines.length} are on lines ${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
      this.ctx.error(statement.range, 'duplicate-statement', `${limit.rule}; ${where}`);
      return false;
    }
    earlier.push(statement);
    return true;
  }
}

/**
 * One walk over loop IR for the passes that only need to know what a piece of code touches:
 * which locals it declares or reads, which buffers it loads, stores or clears, and whether it
 * reads the batch. Every statement, expression, index and condition kind is visited, so a pass
 * built on it cannot miss one (a new statement kind is a type error here until it is walked).
 */
import type { LoopBuffer, LoopCondition, LoopExpr, LoopIndex, LoopStatement } from './loop-ir.ts';

/** What a walk reports; each callback is optional. */
export interface LoopVisitor {
  /** A local (by id) declared, assigned or read. */
  local?(id: number): void;
  /** A buffer read, by a load or by an accumulating store. */
  read?(buffer: LoopBuffer): void;
  /** A buffer written, by a store or a `zero`. */
  write?(buffer: LoopBuffer): void;
  /** An index reads the batch `idx`. */
  batch?(): void;
}

/** Walks `statements`, all the way down, calling `visitor` for what they touch. */
export function walkLoopStatements(statements: readonly LoopStatement[], visitor: LoopVisitor): void {
  const index = (e: LoopIndex): void => {
    switch (e.op) {
      case 'local':
        return visitor.local?.(e.local.id);
      case 'batchEntry':
        visitor.batch?.();
        return index(e.at);
      case 'add':
      case 'mul':
      case 'div':
      case 'mod':
        index(e.left);
        return index(e.right);
      case 'const':
      case 'count':
        return;
    }
  };
  const expr = (e: LoopExpr): void => {
    switch (e.op) {
      case 'local':
        return visitor.local?.(e.local.id);
      case 'load':
        visitor.read?.(e.buffer);
        return index(e.index);
      case 'fromIndex':
        return index(e.index);
      case 'binary':
        expr(e.left);
        return expr(e.right);
      case 'unary':
      case 'call':
        return expr(e.arg);
      case 'select':
        condition(e.condition);
        expr(e.then);
        return expr(e.otherwise);
      case 'const':
        return;
    }
  };
  const condition = (c: LoopCondition): void => {
    if (c.op === 'equal') {
      index(c.left);
      index(c.right);
    } else if (c.op === 'same') {
      expr(c.left);
      expr(c.right);
    } else expr(c.value);
  };
  const statement = (s: LoopStatement): void => {
    switch (s.kind) {
      case 'let':
        visitor.local?.(s.local.id);
        return expr(s.value);
      case 'letIndex':
        visitor.local?.(s.local.id);
        return index(s.value);
      case 'store':
        visitor.write?.(s.buffer);
        if (s.accumulate) visitor.read?.(s.buffer);
        index(s.index);
        return expr(s.value);
      case 'zero':
        return visitor.write?.(s.buffer);
      case 'reduce':
        visitor.local?.(s.target.id);
        index(s.extent);
        return expr(s.element);
      case 'loop':
        index(s.extent);
        return s.body.forEach(statement);
      case 'if':
        condition(s.condition);
        s.then.forEach(statement);
        return s.otherwise.forEach(statement);
      case 'directions':
      case 'directionBlocks':
        return s.body.forEach(statement);
      default: {
        const unknown: never = s;
        throw new Error(`unknown loop statement ${JSON.stringify(unknown)}`);
      }
    }
  };
  statements.forEach(statement);
}

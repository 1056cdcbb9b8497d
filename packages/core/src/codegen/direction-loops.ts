/**
 * The all-directions variant of a forward kernel t' = ∂ₛΦ·t + ∂θΦ·u ({@link DirectionKernelLoops}):
 * the kernel's loop IR rewritten so that one call computes the columns p ∈ [from, to) of the
 * Jacobian, with u = e_p for each, instead of one call per column.
 *
 * A statement *varies* with the direction when it reads `t`, `u` or `out`, or a local or buffer
 * that a varying statement wrote, or runs under a condition or extent that varies. Every other
 * statement computes the same value for every direction, so it runs once, before the direction
 * loop (loop-invariant code motion across directions). In each block the invariant statements
 * move ahead of the varying ones: they read nothing a varying statement writes, and the lowering
 * writes a buffer before the statements of its block that read it; where a varying statement reads
 * a buffer an invariant one writes later, that writer is treated as varying and stays in place.
 *
 * Then the varying statements go into `directions` loops:
 * - around an `if` whose condition is invariant (the kernel's `count === 1` test), the varying
 *   statements before and after it are moved into both branches, so the single-sample branch is
 *   one direction loop with the sample's invariants (its row, its residual-like scalars, σ′(…))
 *   hoisted in front of it;
 * - a loop with an invariant extent whose body has real invariant work (a reduction, a loop, an
 *   elementwise function: the batch loop's per-sample part) is interchanged with the direction
 *   loop: the sample loop outside, its invariants once per sample, the directions inside. The
 *   directions are then taken in blocks (`directionBlocks`) whose columns fit in the first-level
 *   cache, so the sample loop does not stream the whole Jacobian once per sample. This is done
 *   only when no varying local or scratch buffer is shared between two of the resulting direction
 *   loops and the loop's varying scratch buffers are written before they are read in each
 *   iteration; otherwise the block runs in one direction loop as it is;
 * - in a direction loop, `out[j] = a` followed by `out[j] += b` over the same entries, with
 *   nothing in between touching `out`, becomes `out[j] = a + b`: one pass over the column.
 *
 * Each column is computed by exactly the operations, in exactly the order, of a call of the
 * kernel with that column (`out[j] = a; out[j] += b` and `out[j] = a + b` round the same way), so
 * the variant is bit-identical to one call per direction on the same backend.
 */
import type { DirectionKernelLoops, LoopCondition, LoopExpr, LoopIndex, LoopLocal, LoopStatement } from './loop-ir.ts';
import { walkLoopStatements } from './loop-walk.ts';
import { bufferKey } from './wasm/vectorize.ts';

/** Bytes of first-level cache the two columns (t and out) of a block of directions may take. */
const BLOCK_BYTES = 32 * 1024;

/** Buffers that hold one column per direction (t, out) or the direction itself (u). */
const DIRECTION_ARGUMENTS: readonly string[] = ['a:t', 'a:u', 'a:out'];

/**
 * The all-directions variant of a forward kernel whose body is `body` and whose columns have `column` entries.
 * @category Code generation
 */
export function directionLoops(body: readonly LoopStatement[], column: number): DirectionKernelLoops {
  const varying = new DirectionDependence(body);
  const blockSize = Math.max(1, Math.floor(BLOCK_BYTES / (16 * Math.max(1, column))));
  return { column, body: new DirectionRewriter(varying, column, blockSize).block(body, false) };
}

/** Which locals and buffers of a kernel depend on the direction (a fixed point over the body). */
class DirectionDependence {
  private readonly locals = new Set<number>();
  private readonly buffers = new Set<string>(DIRECTION_ARGUMENTS);
  private changed = true;

  constructor(body: readonly LoopStatement[]) {
    while (this.changed) {
      this.changed = false;
      this.block(body, false);
    }
  }

  /** Whether `s` computes something that depends on the direction. */
  statement(s: LoopStatement): boolean {
    switch (s.kind) {
      case 'let':
      case 'letIndex':
        return this.locals.has(s.local.id);
      case 'store':
      case 'zero':
        return this.buffers.has(bufferKey(s.buffer));
      case 'reduce':
        return this.locals.has(s.target.id);
      case 'loop':
        return s.body.some((t) => this.statement(t));
      case 'if':
        return s.then.some((t) => this.statement(t)) || s.otherwise.some((t) => this.statement(t));
      case 'directions':
      case 'directionBlocks':
        throw new Error('a kernel is rewritten over directions once');
    }
  }

  /** Whether the value of `e` depends on the direction. */
  expr(e: LoopExpr): boolean {
    switch (e.op) {
      case 'const':
        return false;
      case 'local':
        return this.locals.has(e.local.id);
      case 'load':
        return this.buffers.has(bufferKey(e.buffer)) || this.index(e.index);
      case 'fromIndex':
        return this.index(e.index);
      case 'binary':
        return this.expr(e.left) || this.expr(e.right);
      case 'unary':
      case 'call':
        return this.expr(e.arg);
      case 'select':
        return this.condition(e.condition) || this.expr(e.then) || this.expr(e.otherwise);
    }
  }

  index(e: LoopIndex): boolean {
    switch (e.op) {
      case 'const':
      case 'count':
        return false;
      case 'local':
        return this.locals.has(e.local.id);
      case 'batchEntry':
        return this.index(e.at);
      case 'add':
      case 'mul':
      case 'div':
      case 'mod':
        return this.index(e.left) || this.index(e.right);
    }
  }

  condition(c: LoopCondition): boolean {
    if (c.op === 'equal') return this.index(c.left) || this.index(c.right);
    if (c.op === 'same') return this.expr(c.left) || this.expr(c.right);
    return this.expr(c.value);
  }

  /** Whether local or buffer `key` (a local's id, or a buffer's key) depends on the direction. */
  has(key: number | string): boolean {
    return typeof key === 'number' ? this.locals.has(key) : this.buffers.has(key);
  }

  private mark(key: number | string): void {
    const set: Set<number | string> = typeof key === 'number' ? this.locals : this.buffers;
    if (set.has(key)) return;
    set.add(key);
    this.changed = true;
  }

  /** One pass over a block; `control`: it runs under a condition or extent that varies. */
  private block(list: readonly LoopStatement[], control: boolean): void {
    const readByVarying = new Set<string>();
    for (const s of list) {
      this.visit(s, control);
      const access = accessOf(s);
      // An invariant writer of a buffer an earlier varying statement of the block read cannot move ahead of it.
      if (this.statement(s)) for (const b of access.readBuffers) readByVarying.add(b);
      else for (const b of access.writtenBuffers) if (readByVarying.has(b)) this.mark(b);
    }
  }

  private visit(s: LoopStatement, control: boolean): void {
    switch (s.kind) {
      case 'let':
        if (control || this.expr(s.value)) this.mark(s.local.id);
        return;
      case 'letIndex':
        if (control || this.index(s.value)) this.mark(s.local.id);
        return;
      case 'store':
        if (control || this.expr(s.value) || this.index(s.index)) this.mark(bufferKey(s.buffer));
        return;
      case 'zero':
        if (control) this.mark(bufferKey(s.buffer));
        return;
      case 'reduce':
        if (control || this.index(s.extent) || this.expr(s.element)) this.mark(s.target.id);
        return;
      case 'loop':
        return this.block(s.body, control || this.index(s.extent));
      case 'if': {
        const inner = control || this.condition(s.condition);
        this.block(s.then, inner);
        return this.block(s.otherwise, inner);
      }
      case 'directions':
      case 'directionBlocks':
        throw new Error('a kernel is rewritten over directions once');
    }
  }
}

/** Rewrites blocks: invariant statements first, the varying ones in direction loops. */
class DirectionRewriter {
  constructor(
    private readonly varying: DirectionDependence,
    private readonly column: number,
    private readonly blockSize: number,
  ) {}

  /** `list` rewritten; `inBlocks`: inside a `directionBlocks` already. */
  block(list: readonly LoopStatement[], inBlocks: boolean): LoopStatement[] {
    const invariant = list.filter((s) => !this.varying.statement(s));
    const varying = list.filter((s) => this.varying.statement(s));
    if (varying.length === 0) return invariant;
    const k = varying.findIndex((s) => s.kind === 'if' && !this.varying.condition(s.condition));
    const branch = k >= 0 ? (varying[k] as Extract<LoopStatement, { kind: 'if' }>) : undefined;
    const before = varying.slice(0, Math.max(0, k));
    if (branch && !this.writesWhatIsRead([...branch.then, ...branch.otherwise], before)) {
      const after = varying.slice(k + 1);
      const then = this.block([...before, ...branch.then, ...after], inBlocks);
      const otherwise = this.block([...before, ...branch.otherwise, ...after], inBlocks);
      return [...invariant, { kind: 'if', condition: branch.condition, then, otherwise }];
    }
    return [...invariant, ...(this.interchanged(varying, inBlocks) ?? [this.directions(varying)])];
  }

  /**
   * The varying statements with their sample-like loops outside the direction loops, or
   * `undefined` when no loop gains from it or it would not be exact.
   */
  private interchanged(varying: readonly LoopStatement[], inBlocks: boolean): LoopStatement[] | undefined {
    const units: Array<LoopStatement[] | Extract<LoopStatement, { kind: 'loop' }>> = [];
    for (const s of varying) {
      if (s.kind === 'loop' && !this.varying.index(s.extent) && this.hoistsWork(s.body)) units.push(s);
      else if (Array.isArray(units[units.length - 1])) (units[units.length - 1] as LoopStatement[]).push(s);
      else units.push([s]);
    }
    if (units.every((u) => Array.isArray(u))) return undefined;
    const owned = units.map((u) => this.privateOf(Array.isArray(u) ? u : [u]));
    for (let a = 0; a < owned.length; a++) for (let b = a + 1; b < owned.length; b++) if ([...owned[a]!].some((key) => owned[b]!.has(key))) return undefined;
    for (const u of units) if (!Array.isArray(u) && !this.writtenBeforeRead(u.body)) return undefined;
    const statements = units.map((u): LoopStatement => (Array.isArray(u) ? this.directions(u) : { kind: 'loop', index: u.index, extent: u.extent, body: this.block(u.body, true) }));
    return inBlocks ? statements : [{ kind: 'directionBlocks', size: this.blockSize, body: statements }];
  }

  /**
   * Whether an invariant statement of `branch` (which moves ahead of `earlier` when `earlier` moves
   * into the branch) writes a buffer a statement of `earlier` reads.
   */
  private writesWhatIsRead(branch: readonly LoopStatement[], earlier: readonly LoopStatement[]): boolean {
    const read = new Set(earlier.flatMap((s) => [...accessOf(s).readBuffers]));
    return branch.some((s) => !this.varying.statement(s) && [...accessOf(s).writtenBuffers].some((key) => read.has(key)));
  }

  /** Whether a loop body has invariant work worth computing once per iteration rather than once per direction. */
  private hoistsWork(body: readonly LoopStatement[]): boolean {
    return body.some((s) => !this.varying.statement(s) && (s.kind === 'reduce' || s.kind === 'loop' || (s.kind === 'let' && costly(s.value))));
  }

  /** The varying locals and scratch or data buffers `list` touches (the direction's own arguments aside). */
  private privateOf(list: readonly LoopStatement[]): Set<number | string> {
    const keys = new Set<number | string>();
    for (const s of list) {
      const access = accessOf(s);
      for (const key of [...access.locals, ...access.readBuffers, ...access.writtenBuffers]) {
        if (this.varying.has(key) && !DIRECTION_ARGUMENTS.includes(key as string)) keys.add(key);
      }
    }
    return keys;
  }

  /** Whether every varying scratch buffer of a loop body is first written (plainly), then read, in the body's order. */
  private writtenBeforeRead(body: readonly LoopStatement[]): boolean {
    const written = new Set<string>();
    let ok = true;
    const read = (e: LoopExpr): void =>
      forEachLoad(e, (key) => {
        if (this.varying.has(key) && !DIRECTION_ARGUMENTS.includes(key) && !written.has(key)) ok = false;
      });
    const walk = (list: readonly LoopStatement[]): void => {
      for (const s of list) {
        if (s.kind === 'store') {
          read(s.value);
          const key = bufferKey(s.buffer);
          if (s.accumulate && this.varying.has(key) && !DIRECTION_ARGUMENTS.includes(key) && !written.has(key)) ok = false;
          written.add(key);
        } else if (s.kind === 'zero') written.add(bufferKey(s.buffer));
        else if (s.kind === 'let') read(s.value);
        else if (s.kind === 'reduce') read(s.element);
        else if (s.kind === 'loop') walk(s.body);
        else if (s.kind === 'if') {
          walk(s.then);
          walk(s.otherwise);
        }
      }
    };
    walk(body);
    return ok;
  }

  private directions(list: readonly LoopStatement[]): LoopStatement {
    return { kind: 'directions', column: this.column, body: fuseOutputPasses(list) };
  }
}

/** Whether evaluating `e` calls a function (an elementwise function, exp, log, pow): worth hoisting even alone. */
function costly(e: LoopExpr): boolean {
  switch (e.op) {
    case 'call':
      return true;
    case 'unary':
      return e.operator === 'exp' || e.operator === 'log' || costly(e.arg);
    case 'binary':
      return e.operator === 'pow' || costly(e.left) || costly(e.right);
    case 'select':
      return costly(e.then) || costly(e.otherwise);
    default:
      return false;
  }
}

/**
 * `loop j { out[i(j)] = a }` … `loop j' { …; out[i(j')] += b }` with nothing in between touching
 * `out` becomes `loop j' { …; out[i(j')] = a(j') + b }` (the first loop removed).
 */
function fuseOutputPasses(list: readonly LoopStatement[]): LoopStatement[] {
  const result = [...list];
  for (let a = 0; a < result.length; a++) {
    const first = result[a]!;
    const store = first.kind === 'loop' && first.body.length === 1 ? first.body[0]! : undefined;
    if (first.kind !== 'loop' || store?.kind !== 'store' || store.accumulate || bufferKey(store.buffer) !== 'a:out' || touchesOut([store.value])) continue;
    const reads = new Set<string>();
    forEachLoad(store.value, (key) => reads.add(key));
    for (let b = a + 1; b < result.length; b++) {
      const second = result[b]!;
      const access = accessOf(second);
      // The first loop's value is computed later, in the second loop: nothing up to there may change what it reads.
      if ([...access.writtenBuffers].some((key) => reads.has(key) && key !== 'a:out')) break;
      const fused = second.kind === 'loop' ? fuseInto(first.index, first.extent, store, second) : undefined;
      if (fused) {
        result[b] = fused;
        result.splice(a, 1);
        a--;
        break;
      }
      if (access.readBuffers.has('a:out') || access.writtenBuffers.has('a:out')) break;
    }
  }
  return result;
}

/** `second` with the store of the first loop folded into its accumulating store to the same entries, or `undefined`. */
function fuseInto(
  index: LoopLocal<'i32'>,
  extent: LoopIndex,
  store: Extract<LoopStatement, { kind: 'store' }>,
  second: Extract<LoopStatement, { kind: 'loop' }>,
): LoopStatement | undefined {
  if (JSON.stringify(second.extent) !== JSON.stringify(extent)) return undefined;
  const last = second.body[second.body.length - 1];
  if (last?.kind !== 'store' || !last.accumulate || bufferKey(last.buffer) !== 'a:out') return undefined;
  const at = renameIndex(store.index, index, second.index);
  if (JSON.stringify(at) !== JSON.stringify(last.index)) return undefined;
  // Nothing else in the second loop reads or writes out: the fused store is its only access.
  if (touchesOut(second.body.slice(0, -1)) || touchesOut([last.value])) return undefined;
  const value: LoopExpr = { op: 'binary', operator: 'add', left: renameExpr(store.value, index, second.index), right: last.value };
  return { ...second, body: [...second.body.slice(0, -1), { ...last, accumulate: false, value }] };
}

function touchesOut(items: ReadonlyArray<LoopStatement | LoopExpr>): boolean {
  return items.some((item) => {
    if ('kind' in item) {
      const access = accessOf(item);
      return access.readBuffers.has('a:out') || access.writtenBuffers.has('a:out');
    }
    let found = false;
    forEachLoad(item, (key) => (found ||= key === 'a:out'));
    return found;
  });
}

function renameIndex(e: LoopIndex, from: LoopLocal<'i32'>, to: LoopLocal<'i32'>): LoopIndex {
  switch (e.op) {
    case 'const':
    case 'count':
      return e;
    case 'local':
      return e.local.id === from.id ? { op: 'local', local: to } : e;
    case 'batchEntry':
      return { op: 'batchEntry', at: renameIndex(e.at, from, to) };
    case 'add':
    case 'mul':
    case 'div':
    case 'mod':
      return { op: e.op, left: renameIndex(e.left, from, to), right: renameIndex(e.right, from, to) };
  }
}

/**
 * `e` with the integer local `from` replaced by `to` (an emitter evaluating one element at two indices).
 * @category Code generation
 */
export function renameExpr(e: LoopExpr, from: LoopLocal<'i32'>, to: LoopLocal<'i32'>): LoopExpr {
  switch (e.op) {
    case 'const':
    case 'local':
      return e;
    case 'load':
      return { ...e, index: renameIndex(e.index, from, to) };
    case 'fromIndex':
      return { ...e, index: renameIndex(e.index, from, to) };
    case 'binary':
      return { ...e, left: renameExpr(e.left, from, to), right: renameExpr(e.right, from, to) };
    case 'unary':
    case 'call':
      return { ...e, arg: renameExpr(e.arg, from, to) };
    case 'select':
      return { ...e, condition: renameCondition(e.condition, from, to), then: renameExpr(e.then, from, to), otherwise: renameExpr(e.otherwise, from, to) };
  }
}

function renameCondition(c: LoopCondition, from: LoopLocal<'i32'>, to: LoopLocal<'i32'>): LoopCondition {
  if (c.op === 'equal') return { op: 'equal', left: renameIndex(c.left, from, to), right: renameIndex(c.right, from, to) };
  if (c.op === 'same') return { op: 'same', left: renameExpr(c.left, from, to), right: renameExpr(c.right, from, to) };
  return { op: 'infinite', value: renameExpr(c.value, from, to) };
}

/** Calls `visit` with the key of every buffer `e` loads from. */
function forEachLoad(e: LoopExpr, visit: (key: string) => void): void {
  switch (e.op) {
    case 'load':
      return visit(bufferKey(e.buffer));
    case 'binary':
      forEachLoad(e.left, visit);
      return forEachLoad(e.right, visit);
    case 'unary':
    case 'call':
      return forEachLoad(e.arg, visit);
    case 'select':
      if (e.condition.op === 'same') {
        forEachLoad(e.condition.left, visit);
        forEachLoad(e.condition.right, visit);
      } else if (e.condition.op === 'infinite') forEachLoad(e.condition.value, visit);
      forEachLoad(e.then, visit);
      return forEachLoad(e.otherwise, visit);
    default:
      return;
  }
}

/**
 * Whether `list` reads the argument buffer `name` (an emitter sets u = e_p in a direction loop only when its body reads u).
 * @category Code generation
 */
export function readsArgument(list: readonly LoopStatement[], name: 'u'): boolean {
  return list.some((s) => accessOf(s).readBuffers.has(`a:${name}`));
}

/** The locals a statement declares or reads (by id) and the buffers it reads and writes (by key), all the way down. */
interface Access {
  readonly locals: Set<number>;
  readonly readBuffers: Set<string>;
  readonly writtenBuffers: Set<string>;
}

function accessOf(s: LoopStatement): Access {
  const access: Access = { locals: new Set(), readBuffers: new Set(), writtenBuffers: new Set() };
  walkLoopStatements([s], {
    local: (id) => access.locals.add(id),
    read: (buffer) => access.readBuffers.add(bufferKey(buffer)),
    write: (buffer) => access.writtenBuffers.add(bufferKey(buffer)),
  });
  return access;
}

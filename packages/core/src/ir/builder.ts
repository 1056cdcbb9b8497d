/**
 * The only way to make IR nodes. It interns every node by structure (hash-consing) and
 * simplifies locally at construction: constant folding, `x*1`, `x+0`, `0*x`, `-(-x)`,
 * `c1*(c2*x)`, and scalar broadcasts absorbed by elementwise operators.
 */
import type { FunctionTable } from './functions.ts';
import { inputKey, isConst, type BinaryOp, type InputSymbolRef, type Node, type Op } from './node.ts';
import { SCALAR, formatShape, isScalar, sameShape, type Shape } from './shape.ts';

/** Thrown when a node would be built with operands of incompatible shapes (an internal error: the checker rejects user mistakes first). */
export class IRShapeError extends Error {
  override readonly name = 'IRShapeError';
}

const FOLD: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
};

/** True when 1/c is finite, nonzero and multiplying by it rounds exactly like dividing by c. */
function isExactReciprocal(c: number): boolean {
  const r = 1 / c;
  return Number.isFinite(c) && Number.isFinite(r) && r !== 0 && Number.isInteger(Math.log2(Math.abs(c))) && Number.isFinite(Math.log2(Math.abs(r)));
}

const COMMUTATIVE: ReadonlySet<Op> = new Set<Op>(['add', 'mul']);

/** Builds, interns and simplifies IR nodes. All nodes of one problem come from one builder. */
export class IRBuilder {
  private readonly interned = new Map<string, Node>();
  private nextId = 0;

  /** @param functions - the elementwise functions `map` nodes may name */
  constructor(readonly functions: FunctionTable) {}

  /** Number of distinct nodes made so far. */
  get size(): number {
    return this.interned.size;
  }

  /** A scalar constant. */
  const(value: number): Node {
    // -0 and 0 are different constants for printing purposes but not for folding; keep them apart by key.
    const key = Object.is(value, -0) ? 'const:-0' : `const:${value}`;
    return this.intern(key, () => ({ op: 'const', args: [], shape: SCALAR, value }));
  }

  /** The input standing for a declared tensor, tangent direction or sample index. */
  input(ref: InputSymbolRef, shape: Shape): Node {
    const key = `input:${inputKey(ref)}`;
    const existing = this.interned.get(key);
    if (existing && !sameShape(existing.shape, shape)) {
      throw new IRShapeError(`input ${inputKey(ref)} used with shapes ${formatShape(existing.shape)} and ${formatShape(shape)}`);
    }
    return this.intern(key, () => ({ op: 'input', args: [], shape: Object.freeze([...shape]), input: { ...ref } }));
  }

  /** `a + b`. */
  add(a: Node, b: Node): Node {
    return this.binary('add', a, b);
  }

  /** `a - b`. */
  sub(a: Node, b: Node): Node {
    return this.binary('sub', a, b);
  }

  /** `a * b` entrywise. */
  mul(a: Node, b: Node): Node {
    return this.binary('mul', a, b);
  }

  /** `a / b` entrywise. */
  div(a: Node, b: Node): Node {
    return this.binary('div', a, b);
  }

  /** `a ^ b` entrywise. */
  pow(a: Node, b: Node): Node {
    return this.binary('pow', a, b);
  }

  /** `-a`. */
  neg(a: Node): Node {
    if (a.op === 'const') return this.const(-(a.value as number));
    if (a.op === 'neg') return a.args[0];
    if (a.op === 'broadcast') return this.broadcast(this.neg(a.args[0]), a.shape);
    return this.intern(`neg:${a.id}`, () => ({ op: 'neg', args: [a], shape: a.shape }));
  }

  /** A registered elementwise function applied entrywise. */
  map(fn: string, a: Node): Node {
    const f = this.functions.get(fn);
    if (!f) throw new IRShapeError(`unknown elementwise function ${fn}`);
    if (a.op === 'const') return this.const(f.evaluate(a.value as number));
    if (a.op === 'broadcast') return this.broadcast(this.map(fn, a.args[0]), a.shape);
    return this.intern(`map:${fn}:${a.id}`, () => ({ op: 'map', args: [a], shape: a.shape, fn }));
  }

  /** The scalar `s` repeated to `shape`. */
  broadcast(s: Node, shape: Shape): Node {
    if (!isScalar(s.shape)) throw new IRShapeError(`broadcast of non-scalar ${formatShape(s.shape)}`);
    if (isScalar(shape)) return s;
    const frozen = Object.freeze([...shape]);
    return this.intern(`broadcast:${s.id}:${shape.join('x')}`, () => ({ op: 'broadcast', args: [s], shape: frozen }));
  }

  /** Sum of all entries. */
  sum(a: Node): Node {
    if (isScalar(a.shape)) return a;
    if (a.op === 'broadcast') return this.mul(this.const(a.shape.reduce((p, e) => p * e, 1)), a.args[0]);
    return this.intern(`sum:${a.id}`, () => ({ op: 'sum', args: [a], shape: SCALAR }));
  }

  /** `log Σ_j exp(a_j)`. */
  logsumexp(a: Node): Node {
    if (isScalar(a.shape)) return a;
    return this.intern(`logsumexp:${a.id}`, () => ({ op: 'logsumexp', args: [a], shape: SCALAR }));
  }

  /** Inner product `Σ_j u_j v_j` of two tensors of one shape. */
  dot(u: Node, v: Node): Node {
    if (!sameShape(u.shape, v.shape)) throw new IRShapeError(`inner product of ${formatShape(u.shape)} and ${formatShape(v.shape)}`);
    return this.sum(this.mul(u, v));
  }

  /** Squared Euclidean norm `Σ_j v_j²`. */
  norm2(v: Node): Node {
    return this.sum(this.mul(v, v));
  }

  /** `A v` for a matrix `A : [n, d]` and a vector `v : [d]`. */
  matvec(A: Node, v: Node): Node {
    if (A.shape.length !== 2 || v.shape.length !== 1 || A.shape[1] !== v.shape[0]) {
      throw new IRShapeError(`matrix–vector product of ${formatShape(A.shape)} and ${formatShape(v.shape)}`);
    }
    return this.intern(`matvec:${A.id}:${v.id}`, () => ({ op: 'matvec', args: [A, v], shape: Object.freeze([A.shape[0]]) }));
  }

  /** `Aᵀ w` for a vector `w : [n]` and a matrix `A : [n, d]`. */
  vecmat(w: Node, A: Node): Node {
    if (A.shape.length !== 2 || w.shape.length !== 1 || A.shape[0] !== w.shape[0]) {
      throw new IRShapeError(`vector–matrix product of ${formatShape(w.shape)} and ${formatShape(A.shape)}`);
    }
    return this.intern(`vecmat:${w.id}:${A.id}`, () => ({ op: 'vecmat', args: [w, A], shape: Object.freeze([A.shape[1]]) }));
  }

  /** The outer product `a bᵀ` of two vectors. */
  outer(a: Node, b: Node): Node {
    if (a.shape.length !== 1 || b.shape.length !== 1) {
      throw new IRShapeError(`outer product of ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    }
    return this.intern(`outer:${a.id}:${b.id}`, () => ({ op: 'outer', args: [a, b], shape: Object.freeze([a.shape[0], b.shape[0]]) }));
  }

  /** Entry `v[i]` of a vector; `i` is an integer scalar (a sample or a constant). */
  entry(v: Node, i: Node): Node {
    this.checkIndex(i);
    if (v.shape.length !== 1) throw new IRShapeError(`entry of ${formatShape(v.shape)}`);
    if (v.op === 'broadcast') return v.args[0];
    if (v.op === 'scatter' && v.args[1] === i) return v.args[0];
    return this.intern(`entry:${v.id}:${i.id}`, () => ({ op: 'entry', args: [v, i], shape: SCALAR }));
  }

  /** Row `A[i]` of a matrix; `i` is an integer scalar (a sample or a constant). */
  row(A: Node, i: Node): Node {
    this.checkIndex(i);
    if (A.shape.length !== 2) throw new IRShapeError(`row of ${formatShape(A.shape)}`);
    if (A.op === 'broadcast') return this.broadcast(A.args[0], [A.shape[1]]);
    if (A.op === 'scatterRow' && A.args[1] === i) return A.args[0];
    return this.intern(`row:${A.id}:${i.id}`, () => ({ op: 'row', args: [A, i], shape: Object.freeze([A.shape[1]]) }));
  }

  /** The vector of length `size`, zero but for the scalar `g` at index `i`. */
  scatter(g: Node, i: Node, size: number): Node {
    this.checkIndex(i);
    if (!isScalar(g.shape)) throw new IRShapeError(`scatter of ${formatShape(g.shape)}`);
    return this.intern(`scatter:${g.id}:${i.id}:${size}`, () => ({ op: 'scatter', args: [g, i], shape: Object.freeze([size]), size }));
  }

  /** The `[size, d]` matrix, zero but for row `i` equal to the vector `g : [d]`. */
  scatterRow(g: Node, i: Node, size: number): Node {
    this.checkIndex(i);
    if (g.shape.length !== 1) throw new IRShapeError(`scatterRow of ${formatShape(g.shape)}`);
    return this.intern(`scatterRow:${g.id}:${i.id}:${size}`, () => ({
      op: 'scatterRow',
      args: [g, i],
      shape: Object.freeze([size, g.shape[0]]),
      size,
    }));
  }

  /** `0` of the given shape: a constant, or a broadcast constant for tensors. */
  zeros(shape: Shape): Node {
    return this.broadcast(this.const(0), shape);
  }

  private checkIndex(i: Node): void {
    const integerConst = i.op === 'const' && Number.isInteger(i.value);
    const sample = i.op === 'input' && i.input?.kind === 'sample';
    if (!integerConst && !sample) throw new IRShapeError('an index must be a sample or an integer constant');
  }

  private binary(op: BinaryOp, a: Node, b: Node): Node {
    const shape = this.broadcastShape(op, a, b);
    // Scalars broadcast implicitly, so an explicit broadcast operand is replaced by its scalar.
    const x = a.op === 'broadcast' ? a.args[0] : a;
    const y = b.op === 'broadcast' ? b.args[0] : b;
    const simplified = this.simplifyBinary(op, x, y, shape);
    // A rewrite may rebuild from the unbroadcast (scalar) operands: restore the broadcast shape.
    if (simplified) return sameShape(simplified.shape, shape) ? simplified : this.broadcast(simplified, shape);
    let [l, r] = [x, y];
    if (COMMUTATIVE.has(op) && this.order(r) < this.order(l)) [l, r] = [r, l];
    return this.intern(`${op}:${l.id}:${r.id}:${shape.join('x')}`, () => ({ op, args: [l, r], shape }));
  }

  /** Constants first, then creation order: canonical operand order of commutative operators. */
  private order(n: Node): number {
    return n.op === 'const' ? -1 : n.id;
  }

  private broadcastShape(op: BinaryOp, a: Node, b: Node): Shape {
    if (sameShape(a.shape, b.shape) || isScalar(b.shape)) return a.shape;
    if (isScalar(a.shape)) return b.shape;
    throw new IRShapeError(`${op} of ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }

  /** Local rewrites; `undefined` when none applies. Operands are already unbroadcast. */
  private simplifyBinary(op: BinaryOp, a: Node, b: Node, shape: Shape): Node | undefined {
    const fit = (n: Node): Node => (sameShape(n.shape, shape) ? n : this.broadcast(n, shape));
    if (a.op === 'const' && b.op === 'const') return fit(this.const(FOLD[op](a.value as number, b.value as number)));
    switch (op) {
      case 'add':
        if (isConst(a, 0)) return fit(b);
        if (isConst(b, 0)) return fit(a);
        if (b.op === 'neg') return this.sub(a, b.args[0]);
        if (a.op === 'neg') return this.sub(b, a.args[0]);
        return undefined;
      case 'sub':
        if (isConst(b, 0)) return fit(a);
        if (isConst(a, 0)) return fit(this.neg(b));
        if (a === b) return this.zeros(shape);
        if (b.op === 'neg') return this.add(a, b.args[0]);
        return undefined;
      case 'mul': {
        if (isConst(a, 0) || isConst(b, 0)) return this.zeros(shape);
        if (isConst(a, 1)) return fit(b);
        if (isConst(b, 1)) return fit(a);
        if (isConst(a, -1)) return fit(this.neg(b));
        if (isConst(b, -1)) return fit(this.neg(a));
        const [c, x] = a.op === 'const' ? [a, b] : b.op === 'const' ? [b, a] : [undefined, undefined];
        // c1 * (c2 * x) → (c1 c2) * x keeps chains of constant factors from derivatives short.
        if (c && x && x.op === 'mul' && x.args[0].op === 'const') {
          return this.mul(this.const((c.value as number) * (x.args[0].value as number)), x.args[1]);
        }
        if (c && x && x.op === 'neg') return this.mul(this.const(-(c.value as number)), x.args[0]);
        return undefined;
      }
      case 'div':
        if (isConst(b, 1)) return fit(a);
        if (isConst(a, 0)) return this.zeros(shape);
        // x / c → (1/c)·x only when that is exact: c a power of two whose reciprocal is finite.
        if (b.op === 'const' && isExactReciprocal(b.value as number)) return this.mul(this.const(1 / (b.value as number)), a);
        return undefined;
      case 'pow':
        if (isConst(b, 1)) return fit(a);
        if (isConst(b, 0)) return fit(this.const(1));
        return undefined;
    }
  }

  private intern(key: string, make: () => Omit<Node, 'id'>): Node {
    const existing = this.interned.get(key);
    if (existing) return existing;
    const node: Node = Object.freeze({ id: this.nextId++, ...make() });
    this.interned.set(key, node);
    return node;
  }
}

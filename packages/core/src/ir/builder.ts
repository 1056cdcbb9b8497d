/**
 * The only way to make IR nodes. It interns every node by structure (hash-consing), checks
 * shapes with the operator's record, folds constants with the record's evaluator and applies
 * the record's local simplifications (`x*1`, `x+0`, `0*x`, `-(-x)`, `c1*(c2*x)`, scalar
 * broadcasts absorbed by elementwise operators, ...). The typed methods (`add`, `matvec`, ...)
 * are shorthands for {@link IRBuilder.apply} on the built-in operators.
 */
import type { FunctionTable } from './functions.ts';
import { inputKey, type InputSymbolRef, type Node } from './node.ts';
import { SCALAR, formatShape, isScalar, sameShape, type Shape } from './shape.ts';
import type { Attributes, OperatorTable } from './operator.ts';

/**
 * Thrown when a node would be built with operands of incompatible shapes (an internal error: the checker rejects user mistakes first).
 * @category IR
 */
export class IRShapeError extends Error {
  override readonly name = 'IRShapeError';
}

/** The interning key of a node's attributes (empty when it has none). */
function attributeKey(attrs: Attributes): string {
  const parts: string[] = [];
  if (attrs.fn !== undefined) parts.push(`fn=${attrs.fn}`);
  if (attrs.size !== undefined) parts.push(`size=${attrs.size}`);
  if (attrs.axis !== undefined) parts.push(`axis=${attrs.axis}`);
  return parts.join(',');
}

/**
 * Builds, interns and simplifies IR nodes. All nodes of one problem come from one builder.
 * @category IR
 */
export class IRBuilder {
  private readonly interned = new Map<string, Node>();
  private nextId = 0;

  /** @param operators - the registered operators and the elementwise functions `map` nodes may name */
  constructor(readonly operators: OperatorTable) {}

  /** The elementwise functions `map` nodes may name. */
  get functions(): FunctionTable {
    return this.operators.functions;
  }

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

  /**
   * `op(args)` with attributes `attrs`: checked by the record's shape rule, folded when every
   * argument is a constant and the result a scalar, simplified by the record, then interned.
   */
  apply(op: string, args: readonly Node[], attrs: Attributes = {}): Node {
    const record = this.operators.get(op);
    if (args.length !== record.arity) throw new IRShapeError(`${op} takes ${record.arity} arguments, got ${args.length}`);
    for (const k of record.indexArgs ?? []) this.checkIndex(args[k]);
    const shape = record.shape(
      args.map((a) => a.shape),
      attrs,
    );
    if (typeof shape === 'string') throw new IRShapeError(`${op} ${shape}`);
    if (isScalar(shape) && args.length > 0 && args.every((a) => a.op === 'const') && !record.indexArgs?.length) {
      const value = record.evaluate(
        args.map((a) => ({ shape: SCALAR, data: Float64Array.of(a.value as number) })),
        attrs,
        shape,
        this.functions,
      );
      return this.const(value[0]);
    }
    const simplified = record.simplify?.(this, args, attrs, shape);
    if (simplified) {
      if (!sameShape(simplified.shape, shape)) throw new Error(`internal error: simplifying ${op} changed its shape`);
      return simplified;
    }
    return this.make(op, args, attrs, shape);
  }

  /**
   * Interns `op(args)` as given, without checks or simplification: for a record's `simplify`
   * once it has decided the node stays (its arguments possibly rewritten). Commutative
   * operators get their operands in canonical order: constants first, then creation order.
   */
  make(op: string, args: readonly Node[], attrs: Attributes, shape: Shape): Node {
    const record = this.operators.get(op);
    let ordered = args;
    if (record.commutative && args.length === 2 && this.order(args[1]) < this.order(args[0])) ordered = [args[1], args[0]];
    const attributeText = attributeKey(attrs);
    const key = `${op}:${attributeText}:${ordered.map((a) => a.id).join(':')}:${shape.join('x')}`;
    const frozen = Object.freeze([...shape]);
    return this.intern(key, () => ({ op, args: ordered, shape: frozen, ...attrs, record }));
  }

  /** `a + b`. */
  add(a: Node, b: Node): Node {
    return this.apply('add', [a, b]);
  }

  /** `a - b`. */
  sub(a: Node, b: Node): Node {
    return this.apply('sub', [a, b]);
  }

  /** `a * b` entrywise. */
  mul(a: Node, b: Node): Node {
    return this.apply('mul', [a, b]);
  }

  /** `a / b` entrywise. */
  div(a: Node, b: Node): Node {
    return this.apply('div', [a, b]);
  }

  /** `a ^ b` entrywise. */
  pow(a: Node, b: Node): Node {
    return this.apply('pow', [a, b]);
  }

  /** `-a`. */
  neg(a: Node): Node {
    return this.apply('neg', [a]);
  }

  /** A registered elementwise function applied entrywise. */
  map(fn: string, a: Node): Node {
    if (!this.functions.has(fn)) throw new IRShapeError(`unknown elementwise function ${fn}`);
    return this.apply('map', [a], { fn });
  }

  /** The scalar `s` repeated to `shape`. */
  broadcast(s: Node, shape: Shape): Node {
    if (!isScalar(s.shape)) throw new IRShapeError(`broadcast of non-scalar ${formatShape(s.shape)}`);
    if (isScalar(shape)) return s;
    return this.make('broadcast', [s], {}, shape);
  }

  /** Sum of all entries, or along `axis` (0: down the columns, 1: along the rows). */
  sum(a: Node, axis?: number): Node {
    return this.apply('sum', [a], axis === undefined ? {} : { axis });
  }

  /** `log Σ exp`, of all entries or along `axis`, shifted by the maximum for stability. */
  logsumexp(a: Node, axis?: number): Node {
    return this.apply('logsumexp', [a], axis === undefined ? {} : { axis });
  }

  /** The largest entry, of all entries or along `axis`. */
  max(a: Node, axis?: number): Node {
    return this.apply('max', [a], axis === undefined ? {} : { axis });
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
    return this.apply('matvec', [A, v]);
  }

  /** `Aᵀ w` for a vector `w : [n]` and a matrix `A : [n, d]`. */
  vecmat(w: Node, A: Node): Node {
    return this.apply('vecmat', [w, A]);
  }

  /** The matrix product `M N` of `M : [n, k]` and `N : [k, m]`. */
  matmul(M: Node, N: Node): Node {
    return this.apply('matmul', [M, N]);
  }

  /** `Mᵀ`. */
  transpose(M: Node): Node {
    return this.apply('transpose', [M]);
  }

  /** The outer product `a bᵀ` of two vectors. */
  outer(a: Node, b: Node): Node {
    return this.apply('outer', [a, b]);
  }

  /**
   * The vector `v : [n]` repeated along a new `axis` of `size` copies: `axis = 1` gives the
   * `[n, size]` matrix whose every column is v (`v[:, None]`), `axis = 0` the `[size, n]`
   * matrix whose every row is v (`v[None, :]`).
   */
  expand(v: Node, axis: number, size: number): Node {
    return this.apply('expand', [v], { axis, size });
  }

  /** Entry `v[i]` of a vector; `i` is an integer scalar (a sample or a constant). */
  entry(v: Node, i: Node): Node {
    return this.apply('entry', [v, i]);
  }

  /** Row `A[i]` of a matrix; `i` is an integer scalar (a sample or a constant). */
  row(A: Node, i: Node): Node {
    return this.apply('row', [A, i]);
  }

  /** The vector of length `size`, zero but for the scalar `g` at index `i`. */
  scatter(g: Node, i: Node, size: number): Node {
    return this.apply('scatter', [g, i], { size });
  }

  /** The `[size, d]` matrix, zero but for row `i` equal to the vector `g : [d]`. */
  scatterRow(g: Node, i: Node, size: number): Node {
    return this.apply('scatterRow', [g, i], { size });
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

  /** Constants first, then creation order: canonical operand order of commutative operators. */
  private order(n: Node): number {
    return n.op === 'const' ? -1 : n.id;
  }

  private intern(key: string, make: () => Omit<Node, 'id'>): Node {
    const existing = this.interned.get(key);
    if (existing) return existing;
    const node: Node = Object.freeze({ id: this.nextId++, ...make() });
    this.interned.set(key, node);
    return node;
  }
}

/**
 * A simplification of derivative graphs for printing only (`sgd derive`; `--unsimplified` skips
 * it): sums are collected into like terms with numeric coefficients (`t + t` → `2 * t`), products
 * into one numeric factor times the other factors with integer powers, so numeric factors fold
 * (`2 * (0.25 * (0.5 / a)) * (4 * b)` → `b / a`) and a factor cancels its reciprocal
 * (`t * (1 / t)` → 1, for scalars); a numeric factor moves out of a sum (`sum(2 * t)` →
 * `2 * sum(t)`, `sum(-t)` → `-sum(t)`), where it joins the enclosing product. The result is built with the problem's IR builder, so it is
 * hash-consed and locally simplified like any graph. The compiled kernels keep using the graphs
 * as differentiated: the kernel generator already shares subexpressions and folds constants,
 * and a printing pass must not change what runs.
 */
import type { IRBuilder, Node } from '@sgdiff/core';

/** A product: a numeric coefficient times factors with nonzero integer powers, by node id. */
interface Product {
  coef: number;
  readonly factors: Map<number, { node: Node; power: number }>;
}

/** A sum: monomials (products without their coefficient, rebuilt) with coefficients, by node id. */
type LinearCombination = Map<number, { node: Node; coef: number }>;

const isScalar = (n: Node): boolean => n.shape.length === 0;

/** The operators this pass decomposes into sums and products. */
const ARITHMETIC = new Set(['add', 'sub', 'neg', 'mul', 'div']);

/**
 * Whether an arithmetic node is taken apart by {@link PrintSimplifier}: a sum of terms of its own
 * shape, a negation, a product, or a quotient by a scalar or a constant. Others (a scalar added
 * to a vector, a division by a vector) are kept whole, their operands simplified.
 */
function decomposes(node: Node): boolean {
  const [a, b] = node.args;
  if (node.op === 'add' || node.op === 'sub') return a.shape.length === node.shape.length && b.shape.length === node.shape.length;
  if (node.op === 'div') return isScalar(b) || b.op === 'const';
  return true;
}

/**
 * Rebuilds derivative graphs in simplified form, memoized across the graphs it is given.
 * @category CLI
 */
export class PrintSimplifier {
  private readonly memo = new Map<number, Node>();

  constructor(private readonly b: IRBuilder) {}

  /** The simplified form of `node` (the same value, entry for entry). */
  simplify(node: Node): Node {
    const done = this.memo.get(node.id);
    if (done) return done;
    const result = this.rebuild(node);
    this.memo.set(node.id, result);
    return result;
  }

  private rebuild(node: Node): Node {
    switch (node.op) {
      case 'add':
      case 'sub':
      case 'neg':
      case 'mul':
      case 'div':
        return this.fromSum(this.sum(node), node);
      default:
        return this.generic(node);
    }
  }

  /** The node as a linear combination of simplified monomials. */
  private sum(node: Node, scale = 1, into: LinearCombination = new Map()): LinearCombination {
    if ((node.op === 'add' || node.op === 'sub') && decomposes(node)) {
      // Terms of another shape (a scalar added to a vector) stay inside their own monomial.
      const [a, c] = node.args;
      this.sum(a, scale, into);
      this.sum(c, node.op === 'sub' ? -scale : scale, into);
      return into;
    } else if (node.op === 'neg') {
      return this.sum(node.args[0], -scale, into);
    }
    const product = this.product(node);
    const monomial = this.fromProduct({ coef: 1, factors: product.factors }, node);
    const key = monomial.op === 'const' ? -1 : monomial.id;
    const coef = scale * product.coef * (monomial.op === 'const' ? (monomial.value as number) : 1);
    const entry = into.get(key);
    if (entry) entry.coef += coef;
    else into.set(key, { node: monomial.op === 'const' ? this.b.const(1) : monomial, coef });
    return into;
  }

  /** The node as a coefficient times simplified factors with powers. */
  private product(node: Node, power = 1, into: Product = { coef: 1, factors: new Map() }): Product {
    if (node.op === 'const') {
      into.coef *= (node.value as number) ** power;
      return into;
    }
    if (node.op === 'neg') {
      into.coef *= -1;
      return this.product(node.args[0], power, into);
    }
    if ((node.op === 'mul' || node.op === 'div') && decomposes(node)) {
      // Entrywise products and quotients of same-shaped or scalar factors: powers add up.
      const [a, c] = node.args;
      this.product(a, power, into);
      return this.product(c, node.op === 'div' ? -power : power, into);
    }
    return this.factor(node, power, into);
  }

  /** Adds one opaque factor (simplified inside) with its power. */
  private factor(node: Node, power: number, into: Product): Product {
    const inner = ARITHMETIC.has(node.op) && !decomposes(node) ? this.shallow(node) : this.simplify(node);
    // A factor that simplified to a product (x + x → 2 * x) joins this product: its coefficient folds.
    if (inner.id !== node.id && (inner.op === 'mul' || inner.op === 'div' || inner.op === 'neg')) return this.product(inner, power, into);
    if (inner.op === 'const') {
      into.coef *= (inner.value as number) ** power;
      return into;
    }
    const entry = into.factors.get(inner.id);
    // A factor and its reciprocal cancel only for scalars: a vector t / t is a vector of ones.
    if (entry && (entry.power + power !== 0 || isScalar(inner))) entry.power += power;
    else if (entry) into.factors.set(-inner.id - 1, { node: inner, power });
    else into.factors.set(inner.id, { node: inner, power });
    return into;
  }

  /** Builds a product: numerator factors, divided by the denominator's, times the coefficient. */
  private fromProduct(product: Product, like: Node): Node {
    const b = this.b;
    // A square as a product, which the printer shows as norm2 under a sum.
    const powered = (f: { node: Node; power: number }, p: number): Node => (p === 1 ? f.node : p === 2 ? b.mul(f.node, f.node) : b.pow(f.node, b.const(p)));
    const multiply = (nodes: Node[]): Node | undefined => nodes.reduce<Node | undefined>((acc, f) => (acc ? b.mul(acc, f) : f), undefined);
    const factors = [...product.factors.values()].filter((f) => f.power !== 0);
    const numerator = multiply(factors.filter((f) => f.power > 0).map((f) => powered(f, f.power)));
    const denominator = multiply(factors.filter((f) => f.power < 0).map((f) => powered(f, -f.power)));
    const coef = product.coef;
    let result: Node;
    if (!numerator && !denominator) result = b.const(coef);
    // With no numerator the coefficient is the dividend: 2 / t.
    else if (!numerator) result = b.div(b.const(coef), denominator as Node);
    else {
      const base = denominator ? b.div(numerator, denominator) : numerator;
      result = coef === 1 ? base : coef === -1 ? b.neg(base) : b.mul(b.const(coef), base);
    }
    return result.shape.length === like.shape.length ? result : b.broadcast(result, like.shape);
  }

  /** Builds a sum: positive terms first, subtracting the negative ones. */
  private fromSum(terms: LinearCombination, like: Node): Node {
    const b = this.b;
    const kept = [...terms.values()].filter((t) => t.coef !== 0);
    if (kept.length === 0) return like.shape.length === 0 ? b.const(0) : b.zeros(like.shape);
    const scaled = (t: { node: Node; coef: number }, sign: number): Node => {
      const c = sign * t.coef;
      if (t.node.op === 'const') return b.const(c * (t.node.value as number));
      return c === 1 ? t.node : b.mul(b.const(c), t.node);
    };
    // A NaN coefficient ((θ − θ)/(θ − θ) folded to 0/0) is neither positive nor negative: printed as added.
    const positive = kept.filter((t) => !(t.coef < 0));
    const negative = kept.filter((t) => t.coef < 0);
    let result: Node | undefined = positive.reduce<Node | undefined>((acc, t) => (acc ? b.add(acc, scaled(t, 1)) : scaled(t, 1)), undefined);
    for (const t of negative) result = result ? b.sub(result, scaled(t, -1)) : scaled(t, 1);
    const out = result as Node;
    return out.shape.length === like.shape.length ? out : b.broadcast(out, like.shape);
  }

  /** An arithmetic node this pass does not decompose (mixed shapes): rebuilt from its simplified operands. */
  private shallow(node: Node): Node {
    const b = this.b;
    const [x, y] = node.args.map((arg) => this.simplify(arg));
    switch (node.op) {
      case 'add':
        return b.add(x, y);
      case 'sub':
        return b.sub(x, y);
      case 'mul':
        return b.mul(x, y);
      case 'div':
        return b.div(x, y);
      default:
        return b.neg(x);
    }
  }

  /**
   * Σ of a simplified term, with its numeric factor outside: `c * t` (as {@link fromProduct}
   * builds it), `-t` and `c / t` give `c * sum(t)`, `-sum(t)` and `c * sum(1 / t)`. A sum is
   * linear, so the value is the same for a full sum and along an axis.
   */
  private sumOf(term: Node, axis: number | undefined): Node {
    const b = this.b;
    const [first, second] = term.args;
    if (term.op === 'neg') {
      // -(c * sum(t)) reads as (-c) * sum(t).
      const inner = this.sumOf(first, axis);
      return inner.op === 'mul' && inner.args[0].op === 'const' ? b.mul(b.const(-(inner.args[0].value as number)), inner.args[1]) : b.neg(inner);
    }
    if (term.op === 'mul' && (first.op === 'const' || second.op === 'const')) {
      const [c, rest] = first.op === 'const' ? [first, second] : [second, first];
      return b.mul(c, this.sumOf(rest, axis));
    }
    if (term.op === 'div' && first.op === 'const' && first.value !== 1) return b.mul(first, b.sum(b.div(b.const(1), second), axis));
    return b.sum(term, axis);
  }

  /** Any other operator: rebuilt from its simplified operands. */
  private generic(node: Node): Node {
    const b = this.b;
    const a = node.args.map((arg) => this.simplify(arg));
    switch (node.op) {
      case 'pow':
        return b.pow(a[0], a[1]);
      case 'map':
        return b.map(node.fn as string, a[0]);
      case 'broadcast':
        return b.broadcast(a[0], node.shape);
      case 'sum':
        return this.sumOf(a[0], node.axis);
      case 'logsumexp':
        return b.logsumexp(a[0], node.axis);
      case 'matvec':
        return b.matvec(a[0], a[1]);
      case 'vecmat':
        return b.vecmat(a[0], a[1]);
      case 'outer':
        return b.outer(a[0], a[1]);
      case 'entry':
        return b.entry(a[0], a[1]);
      case 'row':
        return b.row(a[0], a[1]);
      case 'scatter':
        return b.scatter(a[0], a[1], node.size as number);
      case 'scatterRow':
        return b.scatterRow(a[0], a[1], node.size as number);
      default:
        // const, input, and operators this pass does not know: printed as they are.
        return node;
    }
  }
}

/**
 * One record per operator. Everything the system knows about an IR operator is in its
 * {@link OperatorRecord}: name and arity, attributes, the shape rule (shared by the DSL checker
 * and the builder), constant evaluation, local simplification, forward and reverse derivative,
 * printed and LaTeX forms, the `.sgd` surface, and a hint for the random-expression tests.
 * Records are registered through the plugin container (`OPERATORS`); the builder, the
 * differentiation engine, the printer, the checker and the lowering look them up by name.
 */
import type { OperatorLowering } from '../codegen/lowering.ts';
import type { IRBuilder } from './builder.ts';
import type { FunctionTable } from './functions.ts';
import type { Node } from './node.ts';
import { formatShape, sizeOf, type Shape } from './shape.ts';

/**
 * Static attributes of a node besides its arguments; part of its identity (hash-consing key).
 * @category IR
 */
export interface Attributes {
  /** For `map`: the elementwise function's name. */
  readonly fn?: string;
  /** An extent the arguments do not determine: the length of a one-hot, the copies of `expand`. */
  readonly size?: number;
  /** The axis a reduction or an expansion works along (0: rows, 1: columns). */
  readonly axis?: number;
}

/**
 * The names of the attributes.
 * @category IR
 */
export type AttributeName = keyof Attributes;

/**
 * A dense row-major tensor value, for constant evaluation and reference interpreters.
 * @category IR
 */
export interface Tensor {
  /** Its shape. */
  readonly shape: Shape;
  /** Its entries, row-major. */
  readonly data: Float64Array;
}

/**
 * A rendered subexpression and how tightly it binds: 1 sums, 2 products, 3 negation, 4 powers, 5 atoms.
 * @category IR
 */
export interface Printed {
  /** The text. */
  readonly text: string;
  /** Binding strength. */
  readonly level: number;
}

/**
 * Helpers a record's printer receives.
 * @category IR
 */
export interface PrintContext {
  /** `text` or `latex`. */
  readonly format: 'text' | 'latex';
  /** The rendered arguments, in order. */
  readonly args: readonly Printed[];
  /** `p`'s text, parenthesized when it binds less tightly than `level`. */
  wrap(p: Printed, level: number): string;
  /** The rendering of any node (e.g. an argument's argument, for special forms). */
  render(node: Node): Printed;
  /** LaTeX of a registered elementwise function applied to `arg`, when it defines one. */
  functionLatex(fn: string, arg: string): string | undefined;
}

/**
 * What a positional argument of an operator's `.sgd` surface is: an expression (`tensor`), an
 * index (`index`: a sample or a constant integer, as in `onehot(i, n)`), or a constant
 * integer that becomes an attribute (`size`).
 * @category IR
 */
export type SurfaceParameter =
  | { readonly kind: 'tensor'; readonly name: string }
  | { readonly kind: 'index'; readonly name: string; readonly extentFrom: string }
  | { readonly kind: 'size'; readonly name: string };

/**
 * How an operator is written in `.sgd` source. Several records may share a spelling (`@` is
 * `matvec`, `vecmat` or `matmul` depending on the shapes): the checker takes the first whose
 * shape rule accepts the arguments.
 * @category IR
 */
export interface OperatorSurface {
  /**
   * `call` for `name(args)`, `infix` for `a op b`, `prefix` for `-a`, `index` for `a[i]`,
   * `newaxis` for `v[:, None]` / `v[None, :]` (the axis and a size of 1 as attributes).
   */
  readonly kind: 'call' | 'infix' | 'prefix' | 'index' | 'newaxis';
  /** The call name or the operator symbol. */
  readonly name: string;
  /** Positional parameters. */
  readonly params: readonly SurfaceParameter[];
  /**
   * Accepts the named argument `axis = k` (the only named argument an operator may take), which
   * becomes the `axis` attribute; the shape rule says which axes the operands have.
   */
  readonly takesAxis?: boolean;
  /** Forms the message of a shape error lists, e.g. `R[n, k] @ R[k, m]`. */
  readonly forms: string;
  /**
   * Builds the IR of a call; by default `b.apply(record.name, tensorArgs, attributes)`.
   * Composite surfaces (`softmax`, `onehot`, `.`, `norm2`) build from other operators.
   */
  build?(b: IRBuilder, args: readonly Node[], attrs: Attributes): Node;
  /** The shape rule when the surface is not the record's own (a composite). */
  shape?(args: readonly Shape[], attrs: Attributes): Shape | string;
}

/**
 * How the random-expression tests may use an operator: argument shapes written over the
 * symbols `n` and `d` (`''` a scalar, `'d'` a vector, `'n,d'` a matrix; e.g. `['n,d', 'd']`),
 * `i:n` or `i:d` for an index along an axis of that extent, with the attributes to use and,
 * for a `size` attribute, the extent it takes (`sizeFrom`).
 * @category IR
 */
export interface GeneratorHint {
  /** Argument shapes and attributes that are valid together. */
  readonly forms: ReadonlyArray<{ readonly args: readonly string[]; readonly attrs?: Attributes; readonly sizeFrom?: 'n' | 'd' }>;
  /**
   * False when finite differences cannot be trusted at these argument values (a near tie of
   * `max`); the tests then skip the point.
   */
  smoothAt?(args: readonly Tensor[], attrs: Attributes): boolean;
}

/**
 * One IR operator: everything about it in one place.
 * @category IR
 */
export interface OperatorRecord {
  /** The `op` of its nodes. */
  readonly name: string;
  /** One sentence for `sgd plugins` and the docs. */
  readonly doc: string;
  /** Number of arguments. */
  readonly arity: number;
  /** The attributes its nodes carry (`fn`, `size`, `axis`). */
  readonly attributes?: readonly AttributeName[];
  /** Positions of arguments that are integer indices (a sample or a constant): never differentiated. */
  readonly indexArgs?: readonly number[];
  /** Operand order does not matter: the builder orders operands canonically. */
  readonly commutative?: boolean;
  /** Printed in place, never named as a shared subexpression (cheap forms such as `-a`, `A[i]`). */
  readonly printInline?: boolean;
  /**
   * The result shape, or why the arguments do not fit, naming their shapes (`needs …, got …`,
   * see {@link shapeMismatch}); the checker turns it into a positioned diagnostic, the builder
   * into an `IRShapeError`.
   */
  shape(args: readonly Shape[], attrs: Attributes): Shape | string;
  /** The value, entry by entry, of the node at argument values `args` (index arguments hold the integer). */
  evaluate(args: readonly Tensor[], attrs: Attributes, shape: Shape, functions: FunctionTable): Float64Array;
  /**
   * A simpler node equal to `op(args)`, or `undefined`. Runs before interning; must only build
   * nodes that are smaller or of other operators, so rewriting terminates.
   */
  simplify?(b: IRBuilder, args: readonly Node[], attrs: Attributes, shape: Shape): Node | undefined;
  /** The tangent of `node` given its arguments' tangents (at least one non-null); `null` is zero. */
  jvp(b: IRBuilder, node: Node, tangents: readonly (Node | null)[]): Node | null;
  /** The cotangent contribution to each argument given the node's cotangent `g`; `null` is zero. */
  vjp(b: IRBuilder, node: Node, g: Node): readonly (Node | null)[];
  /** Its printed form (plain text or LaTeX, `ctx.format`). */
  print(node: Node, ctx: PrintContext): Printed;
  /** How `.sgd` source writes it; none for internal operators (`scatter`, `broadcast`). */
  readonly surface?: readonly OperatorSurface[];
  /** How the random-expression tests may build it; none when they cannot (internal helpers). */
  readonly generate?: GeneratorHint;
  /** Its lowering to the loop IR, from which every backend emits kernels; none: it cannot be compiled. */
  readonly lower?: OperatorLowering;
}

/**
 * Thrown when two plugins register an operator of the same name.
 * @category IR
 */
export class DuplicateOperatorError extends Error {
  override readonly name = 'DuplicateOperatorError';
}

/**
 * The registered operators and elementwise functions, as the builder, checker and printer see them.
 * @category IR
 */
export class OperatorTable {
  /** Records by operator name. */
  readonly records: ReadonlyMap<string, OperatorRecord>;
  /** Records by `.sgd` spelling, keyed `kind:name` (`call:sum`, `infix:@`), in registration order. */
  readonly surfaces: ReadonlyMap<string, ReadonlyArray<{ readonly record: OperatorRecord; readonly surface: OperatorSurface }>>;

  /**
   * @param records - every operator; a name registered twice is an error
   * @param functions - the elementwise functions `map` nodes may name
   */
  constructor(
    records: readonly OperatorRecord[],
    readonly functions: FunctionTable,
  ) {
    const byName = new Map<string, OperatorRecord>();
    const surfaces = new Map<string, Array<{ record: OperatorRecord; surface: OperatorSurface }>>();
    for (const record of records) {
      if (byName.has(record.name)) throw new DuplicateOperatorError(`two plugins register the operator '${record.name}'`);
      byName.set(record.name, record);
      for (const surface of record.surface ?? []) {
        const key = `${surface.kind}:${surface.name}`;
        const list = surfaces.get(key) ?? [];
        list.push({ record, surface });
        surfaces.set(key, list);
      }
    }
    this.records = byName;
    this.surfaces = surfaces;
  }

  /** The records spelled `name` in `.sgd` source as a `kind` (none: an empty list). */
  spelled(kind: OperatorSurface['kind'], name: string): ReadonlyArray<{ readonly record: OperatorRecord; readonly surface: OperatorSurface }> {
    return this.surfaces.get(`${kind}:${name}`) ?? [];
  }

  /** The record of `op`; throws for an unregistered operator (an internal error). */
  get(op: string): OperatorRecord {
    const record = this.records.get(op);
    if (!record) throw new Error(`no operator '${op}' is registered`);
    return record;
  }
}

/**
 * The message of a shape rule that refuses its arguments: `needs …, got R[3] and R[4]`. The
 * checker prefixes the operator as written (`'+' needs …`), the builder the operator's name.
 * @category IR
 */
export function shapeMismatch(needs: string, args: readonly Shape[]): string {
  return `needs ${needs}, got ${args.map(formatShape).join(' and ')}`;
}

/**
 * A tensor of `shape` over `data` (checked length).
 * @category IR
 */
export function tensorOf(shape: Shape, data: Float64Array): Tensor {
  if (data.length !== sizeOf(shape)) throw new Error(`tensor of shape ${formatShape(shape)} with ${data.length} entries`);
  return { shape, data };
}

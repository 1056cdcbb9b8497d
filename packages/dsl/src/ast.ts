/**
 * The typed syntax tree of a `.sgd` file. Every node carries its `$type` and the source range
 * it was parsed from, so that the checker and every later stage can point at the user's text.
 */

/**
 * A position in a source file; lines and columns start at 1.
 * @category Language
 */
export interface SourcePosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** 0-based character offset. */
  readonly offset: number;
}

/**
 * A half-open span `[start, end)` of a source file.
 * @category Language
 */
export interface SourceRange {
  /** First character of the span. */
  readonly start: SourcePosition;
  /** One past the last character of the span. */
  readonly end: SourcePosition;
}

/**
 * An identifier with its own range (declaration names, keys, function names).
 * @category Language
 */
export interface Identifier {
  /** Always `'Identifier'`. */
  readonly $type: 'Identifier';
  /** The identifier's text. */
  readonly name: string;
  /** Where it is written. */
  readonly range: SourceRange;
}

/**
 * A numeric literal.
 * @category Language
 */
export interface NumberLiteral {
  /** Always `'NumberLiteral'`. */
  readonly $type: 'NumberLiteral';
  /** The value as parsed by `Number(text)`; may be `Infinity` for `1e400` (the checker rejects it). */
  readonly value: number;
  /** The literal's source text. */
  readonly text: string;
  /** Where it is written. */
  readonly range: SourceRange;
}

/**
 * A string literal (only as a named argument of a data source, e.g. `split = "train"`).
 * @category Language
 */
export interface StringLiteral {
  /** Always `'StringLiteral'`. */
  readonly $type: 'StringLiteral';
  /** The unescaped value. */
  readonly value: string;
  /** Where it is written. */
  readonly range: SourceRange;
}

/**
 * A reference to a declared name, or a free variable of an option expression (`k`, `mu`).
 * @category Language
 */
export interface NameRef {
  /** Always `'NameRef'`. */
  readonly $type: 'NameRef';
  /** The referenced name. */
  readonly name: string;
  /** Where it is written. */
  readonly range: SourceRange;
}

/**
 * The binary operators of the expression language. `.` is the inner product, `@` the matrix product (matrix–vector, vector–matrix, matrix–matrix).
 * @category Language
 */
export type BinaryOperator = '+' | '-' | '*' | '/' | '^' | '.' | '@';

/**
 * `left op right`.
 * @category Language
 */
export interface BinaryExpr {
  /** Always `'BinaryExpr'`. */
  readonly $type: 'BinaryExpr';
  /** The operator. */
  readonly op: BinaryOperator;
  /** Left operand. */
  readonly left: Expr;
  /** Right operand. */
  readonly right: Expr;
  /** The whole expression. */
  readonly range: SourceRange;
}

/**
 * `-operand`.
 * @category Language
 */
export interface UnaryExpr {
  /** Always `'UnaryExpr'`. */
  readonly $type: 'UnaryExpr';
  /** Only negation exists. */
  readonly op: '-';
  /** The negated expression. */
  readonly operand: Expr;
  /** The whole expression. */
  readonly range: SourceRange;
}

/**
 * A named argument `name = value` of a call.
 * @category Language
 */
export interface NamedArg {
  /** Always `'NamedArg'`. */
  readonly $type: 'NamedArg';
  /** The argument's name. */
  readonly name: Identifier;
  /** Its value. */
  readonly value: Expr | StringLiteral;
  /** The whole `name = value`. */
  readonly range: SourceRange;
}

/**
 * `callee(arg, ..., name = value, ...)`: a function, a distribution or a data source.
 * @category Language
 */
export interface CallExpr {
  /** Always `'CallExpr'`. */
  readonly $type: 'CallExpr';
  /** The called name. */
  readonly callee: Identifier;
  /** Positional arguments, in order. */
  readonly args: readonly Expr[];
  /** Named arguments, in order. */
  readonly namedArgs: readonly NamedArg[];
  /** The whole call. */
  readonly range: SourceRange;
}

/**
 * `target[index]`: row `index` of a matrix, or entry `index` of a vector.
 * @category Language
 */
export interface IndexExpr {
  /** Always `'IndexExpr'`. */
  readonly $type: 'IndexExpr';
  /** The indexed expression. */
  readonly target: Expr;
  /** The index: a sample name or a constant integer expression. */
  readonly index: Expr;
  /** The whole expression. */
  readonly range: SourceRange;
}

/**
 * `target[:, None]` (`axis = 1`: a vector as a column, shape `R[n, 1]`) or `target[None, :]`
 * (`axis = 0`: a row, `R[1, n]`), NumPy's spelling; against a matrix the extent of 1 repeats.
 * @category Language
 */
export interface NewAxisExpr {
  /** Always `'NewAxisExpr'`. */
  readonly $type: 'NewAxisExpr';
  /** The vector. */
  readonly target: Expr;
  /** Where the new axis of extent 1 goes: 1 after the vector's axis (a column), 0 before it (a row). */
  readonly axis: 0 | 1;
  /** The whole expression. */
  readonly range: SourceRange;
}

/**
 * Any expression.
 * @category Language
 */
export type Expr = NumberLiteral | NameRef | BinaryExpr | UnaryExpr | CallExpr | IndexExpr | NewAxisExpr;

/**
 * A type `R`, `R[n]` or `R[n, d]`; each extent is a constant expression (usually a dim).
 * @category Language
 */
export interface TypeExpr {
  /** Always `'TypeExpr'`. */
  readonly $type: 'TypeExpr';
  /** The extents, outermost first; empty for a scalar. */
  readonly extents: readonly Expr[];
  /** The whole type. */
  readonly range: SourceRange;
}

/**
 * How a data, param or var declaration gets its value.
 * @category Language
 */
export type Initializer =
  /** `~ normal(0, 1)`: drawn once from the run's seed. */
  | { readonly $type: 'DrawInit'; readonly distribution: CallExpr; readonly range: SourceRange }
  /** `= expr`: a constant value broadcast to the shape. */
  | { readonly $type: 'ValueInit'; readonly value: Expr; readonly range: SourceRange }
  /** `from source(...)`: read from a data-source plugin. */
  | { readonly $type: 'SourceInit'; readonly source: CallExpr; readonly range: SourceRange };

/**
 * `dim n = expr`.
 * @category Language
 */
export interface DimDecl {
  /** Always `'DimDecl'`. */
  readonly $type: 'DimDecl';
  /** The declared name. */
  readonly name: Identifier;
  /** A positive integer constant expression. */
  readonly value: Expr;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * `const c = expr`.
 * @category Language
 */
export interface ConstDecl {
  /** Always `'ConstDecl'`. */
  readonly $type: 'ConstDecl';
  /** The declared name. */
  readonly name: Identifier;
  /** A finite scalar constant expression of numbers, dims and earlier consts. */
  readonly value: Expr;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * The three kinds of tensor declarations.
 * @category Language
 */
export type TensorKind = 'data' | 'param' | 'var';

/**
 * `data|param|var name : type init`.
 * @category Language
 */
export interface TensorDecl {
  /** Always `'TensorDecl'`. */
  readonly $type: 'TensorDecl';
  /** `data` (fixed), `param` (θ, derivatives are taken with respect to it) or `var` (x, optimized). */
  readonly kind: TensorKind;
  /** The declared name. */
  readonly name: Identifier;
  /** The declared shape. */
  readonly type: TypeExpr;
  /** How its value is obtained. */
  readonly init: Initializer;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * `sample i ~ uniform(n)` or `sample i ~ uniform(n, batch = b)`.
 * @category Language
 */
export interface SampleDecl {
  /** Always `'SampleDecl'`. */
  readonly $type: 'SampleDecl';
  /** The sample's name. */
  readonly name: Identifier;
  /** The law of the sample. */
  readonly distribution: CallExpr;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * `minimize f(x, theta; i) = expr`.
 * @category Language
 */
export interface MinimizeDecl {
  /** Always `'MinimizeDecl'`. */
  readonly $type: 'MinimizeDecl';
  /** The objective's name (`f`). */
  readonly name: Identifier;
  /** Names before `;`: vars and params. */
  readonly args: readonly Identifier[];
  /** Names after `;`: samples. */
  readonly samples: readonly Identifier[];
  /** The per-sample objective f(x, θ; ξ). */
  readonly body: Expr;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * `outer value`: the upper objective is the value function ℓ(θ) = min_x F(x, θ).
 * @category Language
 */
export interface OuterValueDecl {
  /** Always `'OuterDecl'`. */
  readonly $type: 'OuterDecl';
  /** Discriminates the two forms of `outer`. */
  readonly kind: 'value';
  /** The word `value` as written. */
  readonly value: Identifier;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * `outer E(x, theta; j) = expr`: an upper objective E(x, θ) = E_j e(x, θ; j) of its own.
 * @category Language
 */
export interface OuterExpressionDecl {
  /** Always `'OuterDecl'`. */
  readonly $type: 'OuterDecl';
  /** Discriminates the two forms of `outer`. */
  readonly kind: 'expression';
  /** The upper objective's name (`E`). */
  readonly name: Identifier;
  /** Names before `;`: vars and params. */
  readonly args: readonly Identifier[];
  /** Names after `;`: samples (at most one is accepted by the checker). */
  readonly samples: readonly Identifier[];
  /** The per-sample upper objective e(x, θ; j). */
  readonly body: Expr;
  /** The whole declaration. */
  readonly range: SourceRange;
}

/**
 * The upper-level objective of a hypergradient problem: `outer value` or `outer E(...) = expr`.
 * @category Language
 */
export type OuterDecl = OuterValueDecl | OuterExpressionDecl;

/**
 * `key = value` (or `key = v1, v2, ...`) inside a `solve` or `outer_solve` block.
 * @category Language
 */
export interface SolveOption {
  /** Always `'SolveOption'`. */
  readonly $type: 'SolveOption';
  /** The option's key. */
  readonly key: Identifier;
  /** Its (first) value: a number, an identifier (enum) or an expression; `values[0]`. */
  readonly value: Expr;
  /** Every comma-separated value in order, `value` first; more than one only for `enums` options. */
  readonly values: readonly Expr[];
  /** The whole `key = value`. */
  readonly range: SourceRange;
}

/**
 * `solve NAME { key = value ... }`.
 * @category Language
 */
export interface SolveDecl {
  /** Always `'SolveDecl'`. */
  readonly $type: 'SolveDecl';
  /** The solver plugin's name. */
  readonly solver: Identifier;
  /** The options in source order. */
  readonly options: readonly SolveOption[];
  /** The whole block. */
  readonly range: SourceRange;
}

/**
 * `outer_solve NAME { key = value ... }`: the loop on θ around the lower-level solver.
 * @category Language
 */
export interface OuterSolveDecl {
  /** Always `'OuterSolveDecl'`. */
  readonly $type: 'OuterSolveDecl';
  /** The outer solver's name. */
  readonly solver: Identifier;
  /** The options in source order. */
  readonly options: readonly SolveOption[];
  /** The whole block. */
  readonly range: SourceRange;
}

/**
 * `report every log 200 { m1, m2 }` or `report { m1 }`.
 * @category Language
 */
export interface ReportDecl {
  /** Always `'ReportDecl'`. */
  readonly $type: 'ReportDecl';
  /** Number of log-spaced report points when `every log N` is given. */
  readonly logPoints?: NumberLiteral;
  /** The metrics to report. */
  readonly metrics: readonly Identifier[];
  /** The whole line. */
  readonly range: SourceRange;
}

/**
 * Any top-level statement.
 * @category Language
 */
export type Statement =
  | DimDecl
  | ConstDecl
  | TensorDecl
  | SampleDecl
  | MinimizeDecl
  | OuterDecl
  | SolveDecl
  | OuterSolveDecl
  | ReportDecl;

/**
 * A parsed `.sgd` file.
 * @category Language
 */
export interface SgdFile {
  /** Always `'SgdFile'`. */
  readonly $type: 'SgdFile';
  /** Statements in source order. */
  readonly statements: readonly Statement[];
  /** The whole file. */
  readonly range: SourceRange;
}

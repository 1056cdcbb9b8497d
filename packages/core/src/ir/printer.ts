/**
 * Prints IR as math: plain text (`sgd derive`) or LaTeX (`--format latex`). Subexpressions
 * shared between the printed formulas (the DAG's CSE) are named once, `t1 = ...`, and reused.
 */
import { topologicalOrder, type Node } from './node.ts';
import type { OperatorTable, Printed } from './operator.ts';

/**
 * Output flavour.
 * @category IR
 */
export type PrintFormat = 'text' | 'latex';

/**
 * A formula to print: a label and its IR (`null` prints as 0).
 * @category IR
 */
export interface Formula {
  /** The left-hand side, e.g. `∇ₓf`. */
  readonly label: string;
  /** The right-hand side. */
  readonly node: Node | null;
}

/**
 * The printed formulas, and the shared subexpressions they refer to.
 * @category IR
 */
export interface PrintedFormulas {
  /** `name = expression` lines for shared subexpressions, in dependency order. */
  readonly shared: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  /** One line per formula, in the order given. */
  readonly formulas: ReadonlyArray<{ readonly label: string; readonly text: string }>;
}

const GREEK = new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'pi', 'rho', 'sigma', 'tau', 'phi', 'chi', 'psi', 'omega']);

/**
 * Prints formulas over one DAG, naming shared non-trivial subexpressions.
 * @param operators - the records whose printed forms the nodes use
 * @category IR
 */
export function printFormulas(formulas: readonly Formula[], format: PrintFormat, operators: OperatorTable): PrintedFormulas {
  const roots = formulas.flatMap((f) => (f.node ? [f.node] : []));
  const uses = new Map<Node, number>();
  for (const node of topologicalOrder(roots)) for (const a of node.args) uses.set(a, (uses.get(a) ?? 0) + 1);
  const names = new Map<Node, string>();
  const shared: Array<{ name: string; text: string }> = [];
  const memo = new Map<Node, Printed>();
  const render = (node: Node): Printed => {
    const name = names.get(node);
    if (name) return { text: name, level: 5 };
    const cached = memo.get(node);
    if (cached) return cached;
    const printed = renderNode(node, format, render, operators);
    memo.set(node, printed);
    return printed;
  };
  // Every node is rendered in post-order, its arguments already memoized (or named): `render`
  // then never recurses more than one level, however deep the formula.
  for (const node of topologicalOrder(roots)) {
    const printed = render(node);
    if ((uses.get(node) ?? 0) > 1 && worthNaming(node, operators)) {
      const name = format === 'latex' ? `t_{${shared.length + 1}}` : `t${shared.length + 1}`;
      shared.push({ name, text: printed.text });
      names.set(node, name);
    }
  }
  return { shared, formulas: formulas.map((f) => ({ label: f.label, text: f.node ? render(f.node).text : '0' })) };
}

function worthNaming(node: Node, operators: OperatorTable): boolean {
  return node.op !== 'const' && node.op !== 'input' && !operators.get(node.op).printInline;
}

function wrapIn(p: Printed, level: number, open = '(', close = ')'): string {
  return p.level < level ? `${open}${p.text}${close}` : p.text;
}

/**
 * A declared name in LaTeX: a Greek letter name becomes the letter, a longer name is upright
 * (`\\mathrm{loglam}`, not a product of italic letters), and the part after the first underscore
 * is a subscript (`x_0` → `x_{0}`, `lam_max` → `\\lambda_{\\mathrm{max}}` for `lambda_max`).
 * @category IR
 */
export function latexName(name: string): string {
  const at = name.indexOf('_');
  if (at > 0 && at < name.length - 1) return `${latexName(name.slice(0, at))}_{${latexName(name.slice(at + 1))}}`;
  if (GREEK.has(name)) return `\\${name}`;
  const escaped = name.replace(/_/g, '\\_');
  return name.length > 1 ? `\\mathrm{${escaped}}` : escaped;
}

function inputName(node: Node, format: PrintFormat): string {
  const ref = node.input as NonNullable<Node['input']>;
  const pretty = (name: string): string => (format === 'latex' ? latexName(name) : name);
  if (ref.kind !== 'tangent') return pretty(ref.name);
  const [kind, primal] = [ref.name.slice(0, ref.name.indexOf(':')), ref.name.slice(ref.name.indexOf(':') + 1)];
  const letter = kind === 'var' ? 'v' : 'u';
  return format === 'latex' ? `${letter}_{${pretty(primal)}}` : `${letter}_${primal}`;
}

function constText(v: number): string {
  return Number.isInteger(v) || Math.abs(v) >= 1e-3 ? String(v) : v.toExponential();
}

/** A leaf (`const`, `input`) or the node's record's form over its rendered arguments. */
function renderNode(node: Node, format: PrintFormat, r: (n: Node) => Printed, operators: OperatorTable): Printed {
  if (node.op === 'const') {
    const text = constText(node.value as number);
    return { text: format === 'latex' ? text.replace(/e([+-]?\d+)$/, ' \\cdot 10^{$1}') : text, level: (node.value as number) < 0 ? 3 : 5 };
  }
  if (node.op === 'input') return { text: inputName(node, format), level: 5 };
  const wrap = (p: Printed, level: number): string => (format === 'latex' ? wrapIn(p, level, '\\left(', '\\right)') : wrapIn(p, level));
  return operators.get(node.op).print(node, {
    format,
    args: node.args.map(r),
    wrap,
    render: r,
    functionLatex: (fn, arg) => operators.functions.get(fn)?.latex?.(arg),
  });
}

/**
 * A step-size option (`step`, `sid_step`, an outer solver's `step`) that is 0 or not finite at
 * the first iteration: the solver would not move, or would move to infinity, so the file is
 * refused before the run. The expression is evaluated at k = 0 (m = 0 for outer solvers) for
 * two settings of the problem's constants (mu, L, kappa = L/mu, q = (kappa − 1)/(kappa + 1));
 * a step that is 0 (or not finite) for both is 0 whatever the problem. Expressions this
 * evaluator does not know (a function it does not evaluate) are left to the run.
 */
import type { Expr, OuterSolveDecl, SolveDecl } from '../ast.ts';
import type { CheckContext } from './context.ts';

/** Two settings of the constants of F a schedule may use. */
const CONSTANT_SETTINGS: ReadonlyArray<Readonly<Record<string, number>>> = [
  { mu: 0.37, L: 2.9 },
  { mu: 1.3, L: 41 },
].map(({ mu, L }) => ({ mu, L, kappa: L / mu, q: (L / mu - 1) / (L / mu + 1) }));

/** The elementwise functions evaluated here (others make the expression unknown). */
const FUNCTIONS: Readonly<Record<string, (v: number) => number>> = { exp: Math.exp, log: Math.log, sqrt: Math.sqrt, log1p: Math.log1p, tanh: Math.tanh };

/** The value of `expr` with `variables` bound, dims and consts from the file; `undefined` when unknown. */
function evaluate(expr: Expr, variables: Readonly<Record<string, number>>, ctx: CheckContext): number | undefined {
  switch (expr.$type) {
    case 'NumberLiteral':
      return expr.value;
    case 'NameRef': {
      if (expr.name in variables) return variables[expr.name];
      const symbol = ctx.symbols.get(expr.name);
      return symbol && (symbol.kind === 'dim' || symbol.kind === 'const') ? symbol.value : undefined;
    }
    case 'UnaryExpr': {
      const v = evaluate(expr.operand, variables, ctx);
      return v === undefined ? undefined : -v;
    }
    case 'BinaryExpr': {
      const a = evaluate(expr.left, variables, ctx);
      const b = evaluate(expr.right, variables, ctx);
      if (a === undefined || b === undefined) return undefined;
      switch (expr.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          return a / b;
        case '^':
          return a ** b;
        default:
          return undefined;
      }
    }
    case 'CallExpr': {
      const fn = Object.hasOwn(FUNCTIONS, expr.callee.name) ? FUNCTIONS[expr.callee.name] : undefined;
      const v = expr.args.length === 1 && expr.namedArgs.length === 0 ? evaluate(expr.args[0], variables, ctx) : undefined;
      return fn && v !== undefined ? fn(v) : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether an option sets a step size. */
function isStepOption(key: string): boolean {
  return key === 'step' || key.endsWith('_step');
}

/** Reports step options of `decl` that are 0, or not finite, at the first iteration. */
export function checkFirstSteps(decl: SolveDecl | OuterSolveDecl, ctx: CheckContext): void {
  const counter = decl.$type === 'SolveDecl' ? 'k' : 'm';
  for (const option of decl.options) {
    if (!isStepOption(option.key.name) || option.values.length !== 1) continue;
    const values = CONSTANT_SETTINGS.map((constants) => evaluate(option.values[0], { ...constants, [counter]: 0 }, ctx));
    if (values.some((v) => v === undefined)) continue;
    const at = `at the first iteration (${counter} = 0)`;
    if (values.every((v) => v === 0)) {
      ctx.error(option.values[0].range, 'option-out-of-range', `'${option.key.name}' is 0 ${at}: the solver would not move; iterations count from ${counter} = 0`);
    } else if (values.every((v) => !Number.isFinite(v))) {
      ctx.error(option.values[0].range, 'option-out-of-range', `'${option.key.name}' is not finite ${at} (iterations count from ${counter} = 0, e.g. write 1 / (${counter} + 1), not 1 / ${counter})`);
    }
  }
}

/**
 * The state shared by every check: the environment, the symbol table and the diagnostics
 * collected so far. Checks never stop at the first error; they report and carry on.
 */
import type { Shape } from '@sgdiff/core';
import type { SourceRange, Statement } from '../ast.ts';
import type { Diagnostic, DiagnosticCode } from '../diagnostics.ts';
import type { CheckEnvironment } from './environment.ts';
import { HintBudget } from './suggest.ts';

/** What a declared name is. */
export type SymbolKind = 'dim' | 'const' | 'data' | 'param' | 'var' | 'sample' | 'objective' | 'outer';

/**
 * A declared name. The resolved fields start out unset and are filled in as the declaration
 * is checked; they stay unset when it has an error, which tells later checks to stay quiet
 * about it instead of reporting a cascade.
 */
export interface DeclaredSymbol {
  /** What was declared. */
  readonly kind: SymbolKind;
  /** The declared name. */
  readonly name: string;
  /** Where the name is written in its declaration. */
  readonly nameRange: SourceRange;
  /** Start offset of the declaring statement, for declaration-order checks. */
  readonly statementStart: number;
  /** For a dim or const: its value. */
  value?: number;
  /** For a data, param or var: its shape. */
  shape?: Shape;
  /** For a sample: the number of outcomes (`n` of `uniform(n)`). */
  size?: number;
}

/** A name as written in an expression or a list: its text and where it is. */
export interface NameOccurrence {
  /** The name. */
  readonly name: string;
  /** Where it is written. */
  readonly range: SourceRange;
}

/** Article and noun for a symbol kind in messages: `a var`, `data`, `the objective`. */
export function describeKind(kind: SymbolKind): string {
  switch (kind) {
    case 'data':
      return 'data';
    case 'objective':
      return 'the objective';
    case 'outer':
      return 'the upper objective';
    default:
      return `a ${kind}`;
  }
}

/** Diagnostics, symbols and environment of one check run. */
export class CheckContext {
  /** Every diagnostic reported so far. */
  readonly diagnostics: Diagnostic[] = [];
  /** The first declaration of every name. */
  readonly symbols = new Map<string, DeclaredSymbol>();
  /** The symbol each declaring statement fills in (a detached one for a duplicate declaration). */
  readonly symbolOf = new Map<Statement, DeclaredSymbol>();
  /** The comparisons left for `unknown-name` hints (each scans the whole symbol table). */
  private readonly hints = new HintBudget();

  /** @param env - the plugins' functions, solvers, metrics and sources */
  constructor(readonly env: CheckEnvironment) {}

  /** Reports an error. */
  error(range: SourceRange, code: DiagnosticCode, message: string): void {
    this.diagnostics.push({ range, severity: 'error', code, message });
  }

  /** Reports a warning. */
  warning(range: SourceRange, code: DiagnosticCode, message: string): void {
    this.diagnostics.push({ range, severity: 'warning', code, message });
  }

  /** The symbol a name refers to; reports `unknown-name` (with a suggestion) when there is none, `used-before-declaration` when it is declared later. */
  resolve(ref: NameOccurrence): DeclaredSymbol | undefined {
    const symbol = this.symbols.get(ref.name);
    if (!symbol) {
      this.error(ref.range, 'unknown-name', `unknown name '${ref.name}'${this.hints.didYouMean(ref.name, this.symbols.keys(), this.symbols.size)}`);
      return undefined;
    }
    // Statements are checked in order, so a later declaration is not checked yet (its value or
    // shape unset): without this error the use would pass silently.
    if (symbol.statementStart > ref.range.start.offset) {
      this.error(ref.range, 'used-before-declaration', `'${ref.name}' is used before its declaration on line ${symbol.nameRange.start.line}`);
      return undefined;
    }
    return symbol;
  }
}

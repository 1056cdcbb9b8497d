/**
 * The symbol table: one pass over the file declares every name before any statement is
 * checked, so a use can be told apart from an unknown name and from a use before declaration.
 */
import type { Identifier, SgdFile, Statement } from '../ast.ts';
import type { CheckContext, DeclaredSymbol, SymbolKind } from './context.ts';

/** The name a statement declares, with its kind; `undefined` for `solve`, `outer_solve`, `outer value` and `report`. */
function declaredName(statement: Statement): { kind: SymbolKind; name: Identifier } | undefined {
  switch (statement.$type) {
    case 'DimDecl':
      return { kind: 'dim', name: statement.name };
    case 'ConstDecl':
      return { kind: 'const', name: statement.name };
    case 'TensorDecl':
      return { kind: statement.kind, name: statement.name };
    case 'SampleDecl':
      return { kind: 'sample', name: statement.name };
    case 'MinimizeDecl':
      return { kind: 'objective', name: statement.name };
    case 'OuterDecl':
      // `outer value` declares nothing: `value` stays free for the file's own names.
      return statement.kind === 'expression' ? { kind: 'outer', name: statement.name } : undefined;
    default:
      return undefined;
  }
}

/**
 * Declares every name of the file. A second declaration of a name is reported and gets a
 * symbol of its own outside the table, so its statement can still be checked.
 */
export function declareSymbols(file: SgdFile, ctx: CheckContext): void {
  for (const statement of file.statements) {
    const declared = declaredName(statement);
    if (!declared) continue;
    const { kind, name } = declared;
    const symbol: DeclaredSymbol = { kind, name: name.name, nameRange: name.range, statementStart: statement.range.start.offset };
    ctx.symbolOf.set(statement, symbol);
    const first = ctx.symbols.get(name.name);
    if (first) {
      ctx.error(name.range, 'duplicate-declaration', `'${name.name}' is already declared on line ${first.nameRange.start.line}`);
    } else {
      ctx.symbols.set(name.name, symbol);
    }
  }
}

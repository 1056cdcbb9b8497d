/** The built-in operators, registered by `@sgdiff/plugins` through the `OPERATORS` token like any plugin's. */
import type { FunctionTable } from '../functions.ts';
import { OperatorTable, type OperatorRecord } from '../operator.ts';
import { arithmeticOperators } from './arithmetic.ts';
import { mapOperator } from './elementwise.ts';
import { indexingOperators } from './indexing.ts';
import { linalgOperators } from './linalg.ts';
import { reductionOperators } from './reductions.ts';

/**
 * Every built-in operator record.
 * @category IR
 */
export const builtinOperators: readonly OperatorRecord[] = [...arithmeticOperators, mapOperator, ...reductionOperators, ...linalgOperators, ...indexingOperators];

/**
 * A table of the built-in operators and `functions` (plus `extra` operators), for code that has no plugin registry at hand (tests).
 * @category IR
 */
export function builtinOperatorTable(functions: FunctionTable, extra: readonly OperatorRecord[] = []): OperatorTable {
  return new OperatorTable([...builtinOperators, ...extra], functions);
}

/**
 * `@sgdiff/cli`: the `sgd` command line (check, derive) and the JSON views it prints.
 * @packageDocumentation
 */
export * from './main.ts';
export * from './program.ts';
export * from './errors.ts';
export * from './load.ts';
export * from './json.ts';
export * from './evaluate.ts';
export * from './formulas.ts';
export * from './summary.ts';

/**
 * Whether Chevrotain validates the grammar when the lexer and parser are built. The validations
 * find mistakes in the grammar, not in a user's file, and cost about a third of the command's
 * start: the built `sgd` skips them (its build defines `SGD_BUILD`), while the sources, which the
 * test suite runs, validate on every start.
 */

/** Defined (true) by the build of the `sgd` command, packages/cli/build.mjs. */
declare const SGD_BUILD: boolean | undefined;

/** True in the built command: the grammar was validated by the test suite. */
export const skipGrammarValidation: boolean = typeof SGD_BUILD !== 'undefined' && SGD_BUILD;

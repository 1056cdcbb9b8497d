/** Rules of indexing by a sample or a constant: `entry`, `row` and their adjoints `scatter`, `scatterRow`. */
import type { Node, RuleSet } from '@sgdiff/core';

/** The indexing family. The index argument is an integer and never carries a derivative. */
export const indexingRules: RuleSet = {
  family: 'indexing',
  rules: {
    entry: {
      jvp: (b, n, [t]) => t && b.entry(t, n.args[1]),
      vjp: (b, n, g) => [b.scatter(g, n.args[1], n.args[0].shape[0]), null],
    },
    row: {
      jvp: (b, n, [t]) => t && b.row(t, n.args[1]),
      vjp: (b, n, g) => [b.scatterRow(g, n.args[1], n.args[0].shape[0]), null],
    },
    scatter: {
      jvp: (b, n, [t]) => t && b.scatter(t, n.args[1], n.size as number),
      vjp: (b, n, g: Node) => [b.entry(g, n.args[1]), null],
    },
    scatterRow: {
      jvp: (b, n, [t]) => t && b.scatterRow(t, n.args[1], n.size as number),
      vjp: (b, n, g: Node) => [b.row(g, n.args[1]), null],
    },
  },
};

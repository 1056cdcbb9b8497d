/** Typed contracts of the plugin kinds that need no more than a name and a description. */

/** A metric a `report` line may ask for. */
export interface MetricSpec {
  /** The name written in `report { ... }`. */
  readonly name: string;
  /** What it measures, for the reference. */
  readonly doc: string;
}

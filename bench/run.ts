/** `pnpm bench`: every benchmark, each reported as a ratio against its baseline measured in the same run. */
import { loadBinaryen } from '@sgdiff/core';
import { gradientBenchmark } from './gradient.bench.ts';
import { sgdPrimeBenchmark } from './sgd-prime.bench.ts';
import { hypergradientBenchmark } from './hypergradient.bench.ts';
import { barycenterGradientBenchmark, sinkhornBenchmark } from './sinkhorn.bench.ts';

// The framework on wasm is part of the gradient and SGD′ benchmarks: Binaryen is loaded on demand.
await loadBinaryen();
for (const line of gradientBenchmark()) console.log(line);
for (const line of sgdPrimeBenchmark()) console.log(line);
for (const line of hypergradientBenchmark()) console.log(line);
for (const line of sinkhornBenchmark()) console.log(line);
for (const line of barycenterGradientBenchmark()) console.log(line);

import { sgdPrimeBenchmark } from './bench/sgd-prime.bench.ts';
for (const line of sgdPrimeBenchmark()) console.log(line);

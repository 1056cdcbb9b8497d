"""SGD' step of least squares in NumPy, tangent-major J (row p = dx/dtheta_p), in place:
for sample i with a = A[i], r = J a - e_i, J -= eta * outer(r, a); x -= eta * a * (a.x - theta_i).
Prints the median ns per step over rounds, as `ns_per_step N`. Usage: numpy_sgd_prime.py n d steps."""
import sys
import time

import numpy as np

n, d, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
A = rng.standard_normal((n, d))
theta = rng.standard_normal(n)
x = rng.standard_normal(d)
J = np.zeros((n, d))
eta = 0.002
samples = rng.integers(0, n, size=steps)


def run(count):
    global x, J
    for k in range(count):
        i = samples[k]
        a = A[i]
        r = J @ a
        r[i] -= 1.0
        J -= eta * np.outer(r, a)
        x -= eta * a * (a @ x - theta[i])


run(min(steps, 50))
times = []
for _ in range(7):
    start = time.perf_counter_ns()
    run(steps)
    times.append((time.perf_counter_ns() - start) / steps)
times.sort()
print("ns_per_step", times[len(times) // 2])

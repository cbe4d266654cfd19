"""Timing loop shared by the reference benchmarks: run `fn` until `seconds`
of wall clock have passed and at least `min_runs` runs are done, and measure
wall clock and process CPU time (all threads) over the same runs."""
import time


def time_runs(fn, seconds, min_runs):
    """Returns (runs, wall seconds, CPU seconds)."""
    n = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and n >= min_runs:
            break
    return n, elapsed, time.process_time() - cpu_start

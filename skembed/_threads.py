"""Numba thread count, set for one fit and always restored."""

import os
from contextlib import contextmanager

import numba


def resolve_n_jobs(n_jobs):
    """Turn scikit-learn's ``n_jobs`` into a thread count (None -> 1, -1 -> all cores)."""
    cores = os.cpu_count() or 1
    if n_jobs is None:
        n = 1
    elif n_jobs < 0:
        n = max(1, cores + 1 + n_jobs)
    else:
        n = n_jobs
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


@contextmanager
def numba_threads(n_threads):
    """Run the ``with`` body with ``n_threads`` numba threads; restore the count on exit.

    The count is restored even when the body raises or is interrupted.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        yield n_threads
    finally:
        numba.set_num_threads(previous)

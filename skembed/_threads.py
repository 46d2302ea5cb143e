"""numba threads for skembed's parallel kernels: count, threading layer, launch lock.

The thread count is set for one call; the threading layer is chosen once per process; the
lock keeps two Python threads from launching parallel kernels at once where that aborts.

numba runs ``parallel=True`` kernels on one process-wide threading layer, chosen when the
first parallel kernel starts. The three layers differ in what they survive:

* ``omp`` (GNU OpenMP on Linux, numba's default when TBB is absent) takes kernels from
  several threads at once, but a process that forks after using it cannot run a parallel
  kernel in the child: the child prints ``Terminating: fork() called from a process
  already using GNU OpenMP`` and dies, so a ``multiprocessing`` pool or joblib's
  ``"multiprocessing"`` backend whose workers fit never returns.
* ``workqueue`` (always available) is safe across ``fork``, but aborts the whole process
  when two threads launch parallel kernels at the same time.
* ``tbb`` is safe for both, but needs the optional ``tbb`` package.

So unless the user chose a layer, skembed starts numba on ``workqueue`` at its first
parallel kernel (never at import) and, on that layer, lets one thread launch at a time.
Threads fitting at once then take turns for their kernel calls (with all threads busy,
the machine has little to give a second launch anyway), and every fit stays correct. A
layer chosen by the user (``NUMBA_THREADING_LAYER``, or numba already running its layer
when skembed first needs it) is used as it is, with the lock only if it is
``workqueue``.
"""

import os
import threading
from contextlib import contextmanager, nullcontext

import numba
from numba.core import config

_FORK_SAFE_LAYER = "workqueue"
_UNSAFE_FOR_THREADS = frozenset({"workqueue"})  # layers that abort on concurrent launches

_setup_lock = threading.Lock()  # one thread decides the layer
_launch_lock = threading.RLock()  # reentrant: a nested ``numba_threads`` must not deadlock
_serialise_launches = None  # None until the layer runs; then whether launches take the lock


def resolve_n_jobs(n_jobs):
    """Turn scikit-learn's ``n_jobs`` into a thread count (None -> 1, -1 -> all cores).

    Parameters
    ----------
    n_jobs : int or None
        ``None`` means 1; a negative value counts back from the number of cores, as in
        joblib (``-1``: all of them, ``-2``: all but one), and never gives less than 1.

    Returns
    -------
    int
        The thread count, at most ``numba.config.NUMBA_NUM_THREADS``.
    """
    cores = os.cpu_count() or 1
    if n_jobs is None:
        n = 1
    elif n_jobs < 0:
        n = max(1, cores + 1 + n_jobs)
    else:
        n = n_jobs
    return max(1, min(n, numba.config.NUMBA_NUM_THREADS))


def _running_layer():
    """Return the name of numba's running threading layer, or None before it starts."""
    try:
        return numba.threading_layer()
    except ValueError:  # "Threading layer is not initialized."
        return None


def _start_threading_layer():
    """Start numba's threading layer if it is not running; return its name.

    ``workqueue`` is chosen only when nobody else chose: the layer is not running yet,
    ``NUMBA_THREADING_LAYER`` is not set, and ``numba.config.THREADING_LAYER`` is left at
    ``"default"``. numba reads that setting once, when the layer starts, so it is put back
    right after and ``numba.config`` ends as it was.
    """
    layer = _running_layer()
    if layer is not None:
        return layer
    user_choice = ("NUMBA_THREADING_LAYER" in os.environ
                   or str(config.THREADING_LAYER).lower() != "default")
    if not user_choice:
        config.THREADING_LAYER = _FORK_SAFE_LAYER
    try:
        numba.get_num_threads()  # starts the layer
    finally:
        if not user_choice:
            config.THREADING_LAYER = "default"
    return numba.threading_layer()


def _after_fork_in_child():
    # A lock held by another thread of the parent would stay held forever in the child,
    # where that thread does not exist; the child's threading layer starts afresh anyway.
    global _setup_lock, _launch_lock
    _setup_lock = threading.Lock()
    _launch_lock = threading.RLock()


def _launch_guard():
    """Return the context that a parallel kernel launch must run in (a lock, or nothing)."""
    global _serialise_launches
    if _serialise_launches is None:
        with _setup_lock:
            if _serialise_launches is None:
                if hasattr(os, "register_at_fork"):
                    os.register_at_fork(after_in_child=_after_fork_in_child)
                layer = _start_threading_layer()
                _serialise_launches = layer in _UNSAFE_FOR_THREADS
    return _launch_lock if _serialise_launches else nullcontext()


@contextmanager
def numba_threads(n_threads):
    """Run the ``with`` body with ``n_threads`` numba threads; restore the count on exit.

    Every launch of a ``parallel=True`` kernel must happen inside this context: it starts
    numba's threading layer the first time (see the module notes) and, on a layer that
    cannot take launches from two threads at once, holds a process-wide lock for the
    duration of the body. Keep the body to the kernel call itself, so that other threads
    fitting at the same time wait for one kernel call, not for a whole fit.

    The thread count is per thread in numba, and is restored even when the body raises or
    is interrupted.

    Parameters
    ----------
    n_threads : int
        Number of numba threads for the kernels launched in the body.

    Yields
    ------
    int
        ``n_threads``.
    """
    with _launch_guard():
        previous = numba.get_num_threads()
        numba.set_num_threads(n_threads)
        try:
            yield n_threads
        finally:
            numba.set_num_threads(previous)

"""Compiled numba kernels. Arrays and scalars in, arrays out; no estimator code here.

Kernels are compiled with ``cache=CACHE``. numba looks for a writable place to cache
compiled code (``NUMBA_CACHE_DIR``, the package's ``__pycache__``, the user's cache
directory) and, with ``cache=CACHE``, fails at import when it finds none: a read-only
installation for a user without a home directory. So the first import probes for one
and, failing that, caches in a private directory under the temporary directory (numba's
cache directory setting is process-wide, so other packages' cached functions, which
would otherwise fail the same way, use it too); if even that is impossible, kernels are
compiled in every process, with a warning.
"""

import os
import stat
import tempfile
import warnings

import numba
from numba.core import config


def _probe():
    return 0


def _can_cache():
    """Tell whether numba finds a cache location for a function of this package."""
    try:
        numba.njit(cache=True)(_probe)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return False
    return True


def _private_cache_dir():
    """Return a directory only this user can write, under the temp directory, or None."""
    if not hasattr(os, "getuid"):  # ownership cannot be checked the POSIX way
        return None
    path = os.path.join(tempfile.gettempdir(), f"skembed-numba-cache-{os.getuid()}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        status = os.lstat(path)  # the entry itself: a symlink someone planted is refused
    except OSError:
        return None
    # Cached code is loaded with pickle: never trust a directory someone else controls.
    if (not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid()
            or status.st_mode & 0o077):
        return None
    return path


def _choose_cache():
    if _can_cache():
        return True
    fallback = None if config.CACHE_DIR else _private_cache_dir()
    if fallback is not None:
        config.CACHE_DIR = fallback
        if _can_cache():
            return True
        config.CACHE_DIR = ""
    warnings.warn(
        "numba found no writable directory to cache skembed's compiled kernels, so they "
        "are compiled again in every new process (a few seconds each); set "
        "NUMBA_CACHE_DIR to a writable directory to cache them",
        RuntimeWarning,
        stacklevel=2,
    )
    return False


CACHE = _choose_cache()

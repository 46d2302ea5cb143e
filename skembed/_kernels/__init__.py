"""Compiled numba kernels. Arrays and scalars in, arrays out; no estimator code here.

Kernels are compiled with ``cache=CACHE``. numba looks for a writable place to cache
compiled code (``NUMBA_CACHE_DIR``, the package's ``__pycache__``, the user's cache
directory) when a function is *decorated*, and, with ``cache=True``, fails right there
when it finds none: a read-only installation for a user without a home directory. The
kernels are decorated when their modules are imported, so the choice is made here, at
import, by decorating a probe (no compilation):

* a location is found: nothing else is done, numba's settings are not touched;
* none is found: skembed's kernels cache in a private directory under the temporary
  directory. numba's cache directory setting is process-wide, so it points there only
  while this package's kernel modules are imported (each kernel keeps the location it
  was given), and is put back right after: other numba code in the process is unaffected;
* not even that: kernels are compiled in every process, with a warning.
"""

import importlib
import os
import pkgutil
import stat
import tempfile

import numba
from numba.core import config

from .._warnings import warn_user


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
    """Decide whether skembed's kernels can be cached on disk, and where.

    Returns
    -------
    cache : bool
        The ``cache=`` argument for every kernel.
    directory : str or None
        The private directory numba's cache setting must point to while the kernels are
        decorated, or None when numba finds a location of its own (or none at all).
    """
    if _can_cache():
        return True, None
    fallback = None if config.CACHE_DIR else _private_cache_dir()
    if fallback is not None:
        previous, config.CACHE_DIR = config.CACHE_DIR, fallback
        try:
            if _can_cache():
                return True, fallback
        finally:
            config.CACHE_DIR = previous
    warn_user(
        "numba found no writable directory to cache skembed's compiled kernels, so they "
        "are compiled again in every new process (a few seconds each); set "
        "NUMBA_CACHE_DIR to a writable directory to cache them",
        RuntimeWarning,
    )
    return False, None


def _import_kernels_caching_in(directory):
    """Import every kernel module while numba caches in ``directory``, then restore.

    Each kernel keeps the cache location it was given when decorated, so the setting is
    needed only for the imports.
    """
    previous, config.CACHE_DIR = config.CACHE_DIR, directory
    try:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
    finally:
        config.CACHE_DIR = previous


CACHE, _fallback_directory = _choose_cache()
if _fallback_directory is not None:
    _import_kernels_caching_in(_fallback_directory)

"""Warnings that point at the user's line, not at skembed's own files.

A warning raised deep inside ``fit`` with a fixed ``stacklevel`` points at whichever
skembed frame happens to sit that many levels up, which changes whenever the call chain
does. ``warn_user`` instead walks the stack outward, as pandas' ``find_stack_level``
does, to the first frame that is not skembed's: the user's call, or the scikit-learn
code (a ``Pipeline``, a search) that called skembed for the user.

Three kinds of frame count as skembed's own on the way out:

* frames of files inside the ``skembed`` package (its tests live outside it);
* scikit-learn's decorator wrappers around the skembed function just inside them
  (``_fit_context`` around ``fit``, the ``set_output`` wrapper around ``fit_transform``):
  they run in scikit-learn's files, but only as part of the skembed call. The user's own
  closures are never skipped;
* the import machinery (``importlib._bootstrap``) between an ``import skembed`` line and
  a warning raised while skembed's modules load. Python's ``warnings.warn`` never counts
  these frames in ``stacklevel``, so they are skipped in the count as well.
"""

import os
import sys
import types
import warnings

import sklearn

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SKLEARN_DIR = os.path.dirname(os.path.abspath(sklearn.__file__)) + os.sep


def _in_package(code, directory=_PACKAGE_DIR):
    filename = code.co_filename
    # "<stdin>", "<string>", "<frozen ...>": no file, so in no package.
    return not filename.startswith("<") and os.path.abspath(filename).startswith(directory)


def _is_import_machinery(frame):
    # CPython's warnings module leaves exactly these frames out of stacklevel.
    filename = frame.f_code.co_filename
    return "importlib" in filename and "_bootstrap" in filename


def _wraps(frame, inner_code):
    """Tell whether ``frame`` runs scikit-learn's wrapper around the code just inside it.

    A wrapper made by a decorator holds the function it wraps in a free variable (and
    ``functools.wraps`` keeps that function's own wrapped function as ``__wrapped__``).
    """
    code = frame.f_code
    if inner_code is None or not code.co_freevars or not _in_package(code, _SKLEARN_DIR):
        return False
    values = frame.f_locals  # in a closure, this includes the free variables
    for name in code.co_freevars:
        value = values.get(name)
        while isinstance(value, types.FunctionType):
            if value.__code__ is inner_code:
                return True
            value = getattr(value, "__wrapped__", None)
    return False


def user_stacklevel():
    """Return the ``stacklevel`` at which a warning issued by the caller reaches the user.

    Level 1 is the function that calls ``warnings.warn`` (here, the caller of this
    function), level 2 its caller, and so on, counting frames as ``warnings.warn`` does.

    Returns
    -------
    int
        The level of the first frame outside skembed, or of the outermost frame when the
        whole stack is skembed's (``python -m skembed``).
    """
    frame = sys._getframe(1)  # the function that will call warnings.warn: level 1
    level = 1
    inner_code = None
    while frame.f_back is not None and (_in_package(frame.f_code)
                                        or _wraps(frame, inner_code)):
        inner_code = frame.f_code
        frame = frame.f_back
        while frame.f_back is not None and _is_import_machinery(frame):
            frame = frame.f_back
        level += 1
    return level


def warn_user(message, category=UserWarning):
    """Issue a warning attributed to the first caller outside skembed.

    Parameters
    ----------
    message : str
        The warning text.
    category : type of Warning, default=UserWarning
        The warning class.
    """
    # Level 1 of user_stacklevel() is this function, the one calling warnings.warn.
    warnings.warn(message, category, stacklevel=user_stacklevel())

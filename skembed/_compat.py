"""The one place that imports scikit-learn's private API.

scikit-learn's parameter-validation machinery (the constraint classes, ``validate_params``
for public functions and ``_fit_context`` around ``fit``) is not public, so every skembed
module imports it from here. When it moves, only this module changes.
"""

from numbers import Integral

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils._param_validation import Interval as _SklearnInterval

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "fit_context",
    "validate_params",
]


class Interval(_SklearnInterval):
    """scikit-learn's numeric interval constraint, refusing booleans.

    ``True`` is an ``Integral`` (and a ``Real``) to Python, so scikit-learn's
    ``Interval(Integral, 1, None, closed="left")`` accepts ``window=True`` as 1. A count, a
    size or a rate given as a boolean is a mistake, not a number.
    """

    def is_satisfied_by(self, val):
        if isinstance(val, bool):
            return False
        return super().is_satisfied_by(val)


# ``n_jobs`` as joblib reads it: None (one thread), a positive count, or a negative count
# from the number of cores (-1: all of them). 0 means nothing and is refused, as joblib does.
N_JOBS_CONSTRAINT = [
    Interval(Integral, 1, None, closed="left"),
    Interval(Integral, None, -1, closed="right"),
    None,
]


def fit_context(fit_method):
    """Wrap a ``fit`` method in scikit-learn's fit context.

    Parameters are validated on entry unless ``sklearn.set_config(
    skip_parameter_validation=True)`` is set, and nested validation is skipped while
    fitting, as scikit-learn's own estimators do.

    Parameters
    ----------
    fit_method : callable
        ``fit`` or ``fit_transform``.

    Returns
    -------
    callable
    """
    return _fit_context(prefer_skip_nested_validation=True)(fit_method)

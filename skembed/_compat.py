"""The one place that imports scikit-learn's private API.

scikit-learn's parameter-validation machinery is not public, so every skembed module
imports it from here. When it moves, only this module changes.
"""

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
)

__all__ = ["HasMethods", "Interval", "InvalidParameterError", "StrOptions"]

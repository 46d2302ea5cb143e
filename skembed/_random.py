"""Seeds for training, all derived from the estimator's ``random_state``."""

import numpy as np
from sklearn.utils import check_random_state


class SeedSource:
    """Draws every seed a fit needs from one ``random_state``, in a fixed order.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        As in scikit-learn.
    """

    def __init__(self, random_state):
        self._rng = check_random_state(random_state)

    def generator(self):
        """Return a fresh ``numpy.random.Generator`` (for weight initialisation)."""
        return np.random.default_rng(self._rng.randint(0, 2**31 - 1, size=4))

    def block_seeds(self, n_blocks):
        """Return non-zero ``uint64`` states for the xorshift generators of the kernels."""
        high = self._rng.randint(0, 2**31, size=n_blocks).astype(np.uint64)
        low = self._rng.randint(1, 2**31, size=n_blocks).astype(np.uint64)
        return (high << np.uint64(32)) | low

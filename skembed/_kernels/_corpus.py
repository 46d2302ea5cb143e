"""Small passes over an encoded corpus (flat ids plus document offsets)."""

import numba
import numpy as np


@numba.njit(cache=True)
def drop_unknown(ids, offsets):
    """Return ``(ids, offsets)`` of the same documents without their ``-1`` tokens."""
    kept = 0
    for i in range(len(ids)):
        if ids[i] >= 0:
            kept += 1
    new_ids = np.empty(kept, dtype=ids.dtype)
    new_offsets = np.empty(len(offsets), dtype=np.int64)
    position = 0
    new_offsets[0] = 0
    for doc in range(len(offsets) - 1):
        for i in range(offsets[doc], offsets[doc + 1]):
            if ids[i] >= 0:
                new_ids[position] = ids[i]
                position += 1
        new_offsets[doc + 1] = position
    return new_ids, new_offsets

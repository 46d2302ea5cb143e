"""GloVe training: AdaGrad on the non-zero co-occurrence entries, as the Stanford tool does.

Parameters of a token live in one float32 row of ``2 * (dim + 1)`` values: its vector,
its bias, then the AdaGrad sums of squared gradients of both (started at 1). Word and
context tokens have separate tables. Keeping the four quantities an entry touches in two
rows (rather than eight) halves the random memory traffic.
"""

import numba
import numpy as np

from . import CACHE
from ._common import below, prefetch_row


@numba.njit(cache=CACHE, nogil=True)
def count_block_sizes(n_entries, n_blocks, state, sizes):
    """Draw a block for each of ``n_entries`` entries and add it to ``sizes``."""
    for _ in range(n_entries):
        sizes[below(state, n_blocks)] += 1


@numba.njit(cache=CACHE, nogil=True)
def place_entries(row_start, indptr, indices, data, n_blocks, state, fill, x_max, alpha,
                  rows, cols, log_x, weight):
    """Scatter CSR rows into their blocks (drawn again from the same ``state``).

    Stores for each entry its row, column, ``log(x)`` and its weight ``min(1, (x /
    x_max) ** alpha)``, which never change during training.
    """
    for r in range(len(indptr) - 1):
        for k in range(indptr[r], indptr[r + 1]):
            block = below(state, n_blocks)
            position = fill[block]
            fill[block] += 1
            rows[position] = row_start + r
            cols[position] = indices[k]
            x = np.float64(data[k])
            log_x[position] = np.log(x)
            weight[position] = 1.0 if x >= x_max else (x / x_max) ** alpha


@numba.njit(cache=CACHE, inline="always")
def _clip(value, limit):
    return min(max(value, -limit), limit)


@numba.njit(cache=CACHE, fastmath=True)
def score(word, i, context, j, dim):
    """Return ``w_i . c_j + b_i + b~_j`` (a float32 reduction)."""
    total = np.float32(0.0)
    for k in range(dim):
        total += word[i, k] * context[j, k]
    return total + word[i, dim] + context[j, dim]


@numba.njit(cache=CACHE, nogil=True)
def shuffle_block(start, stop, state, rows, cols, log_x, weight):
    """Put entries ``start`` to ``stop - 1`` in a fresh random order (Fisher-Yates)."""
    for k in range(stop - 1, start, -1):
        other = start + below(state, k - start + 1)
        rows[k], rows[other] = rows[other], rows[k]
        cols[k], cols[other] = cols[other], cols[k]
        log_x[k], log_x[other] = log_x[other], log_x[k]
        weight[k], weight[other] = weight[other], weight[k]


# error_model="numpy": Python's check for division by zero (never zero here: the sums of
# squares start at 1) would keep LLVM from vectorizing the update loop, 5x slower.
@numba.njit(cache=CACHE, nogil=True, error_model="numpy")
def adagrad_entry(word, i, context, j, log_x, weight, learning_rate, clip, dim):
    """Apply one AdaGrad step for entry (i, j); return its weighted loss (0 if skipped).

    As in the Stanford tool: ``diff = w_i . c_j + b_i + b~_j - log x``, the step on each
    coordinate is ``g / sqrt(G)`` with ``g = learning_rate * f(x) * diff * (other vector)``
    clipped to ``[-clip, clip]`` and ``G`` the running sum of squared ``g`` (from 1). The
    bias step is clipped the same way, so no step can be infinite.
    """
    diff = score(word, i, context, j, dim) - log_x
    weighted = weight * diff
    if not np.isfinite(weighted):
        return 0.0
    loss = 0.5 * np.float64(weighted) * diff
    step = np.float32(learning_rate) * weighted
    square_w = dim + 1
    for k in range(dim):
        g_word = _clip(step * context[j, k], clip)
        g_context = _clip(step * word[i, k], clip)
        word[i, k] -= g_word / np.sqrt(word[i, square_w + k])
        context[j, k] -= g_context / np.sqrt(context[j, square_w + k])
        word[i, square_w + k] += g_word * g_word
        context[j, square_w + k] += g_context * g_context
    g_bias = _clip(step, clip)
    word[i, dim] -= g_bias / np.sqrt(word[i, square_w + dim])
    context[j, dim] -= g_bias / np.sqrt(context[j, square_w + dim])
    word[i, square_w + dim] += g_bias * g_bias
    context[j, square_w + dim] += g_bias * g_bias
    return loss


@numba.njit(cache=CACHE, nogil=True, error_model="numpy")
def glove_block(word, context, rows, cols, log_x, weight, start, stop, seed, learning_rate,
                clip):
    """Shuffle one block of entries, then train on each; return the summed loss."""
    dim = (word.shape[1] - 2) // 2
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    shuffle_block(start, stop, state, rows, cols, log_x, weight)
    lr = np.float32(learning_rate)
    limit = np.float32(clip)
    loss = 0.0
    for e in range(start, stop):
        if e + 1 < stop:
            prefetch_row(word, rows[e + 1])
            prefetch_row(context, cols[e + 1])
        loss += adagrad_entry(word, rows[e], context, cols[e], log_x[e], weight[e], lr, limit,
                              dim)
    return loss


@numba.njit(parallel=True, nogil=True, cache=CACHE, error_model="numpy")
def glove_epoch(word, context, entries, block_order, seeds, learning_rate, clip, block_loss,
                first, end, n_workers):
    """Train on the blocks at positions ``first`` to ``end - 1`` of ``block_order``.

    Workers update the tables without locks (Hogwild): worker ``w`` takes the blocks at
    positions ``first + w``, ``first + w + n_workers``, ...; one worker replays
    ``block_order`` exactly. The driver calls this over consecutive ranges of positions,
    so an interrupt is seen between ranges.
    """
    for worker in numba.prange(n_workers):
        for position in range(first + worker, end, n_workers):
            block = block_order[position]
            block_loss[block] = glove_block(
                word, context, entries.rows, entries.cols, entries.log_x, entries.weight,
                entries.block_bounds[block], entries.block_bounds[block + 1], seeds[block],
                learning_rate, clip)


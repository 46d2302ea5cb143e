"""Small numba building blocks shared by the training kernels.

Random numbers come from explicit xorshift64* states (one ``uint64[1]`` array per work
block), never from ``np.random`` inside numba, whose state is separate from NumPy's.
"""

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from . import CACHE

# Outside [-MAX_EXP, MAX_EXP] the sigmoid is saturated and, as in the word2vec C tool's
# hierarchical softmax and in gensim, the prediction is not updated.
MAX_EXP = 6.0


@numba.njit(cache=CACHE, inline="always")
def next_random(state):
    """Advance an xorshift64* state held in ``state[0]`` and return 64 random bits."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@numba.njit(cache=CACHE, inline="always")
def uniform(state):
    """Return a float64 uniform in [0, 1) from the top 53 random bits."""
    return (next_random(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=CACHE, inline="always")
def below(state, n):
    """Return an integer uniform in [0, n) (multiply-shift on the top 32 bits)."""
    return np.int64(((next_random(state) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@numba.njit(cache=CACHE, inline="always")
def sample_alias(state, accept, alias):
    """Draw from a Walker alias table: a uniform column, kept or sent to its alias.

    One 53-bit uniform gives both: its scaled integer part picks the column and the
    fractional part is the coin.
    """
    scaled = uniform(state) * len(accept)
    column = np.int64(scaled)
    if scaled - column < accept[column]:
        return column
    return np.int64(alias[column])


@numba.njit(cache=CACHE, inline="always")
def sigmoid(x):
    """Return the exact logistic function of x (float32); callers keep |x| <= MAX_EXP."""
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-np.float32(x)))


# A running product of probabilities is folded into the loss (one log) before it could
# underflow float64; every factor is at least sigmoid(-MAX_EXP), about 0.0025.
SMALLEST_LIKELIHOOD = 1e-250


@numba.njit(cache=CACHE, inline="always")
def multiply_likelihood(likelihood, loss, probability):
    """Multiply ``probability`` into a running likelihood: (likelihood, loss).

    The loss of a prediction step is ``-log`` of the product of its probabilities; the
    kernels take that log once a step (``loss - log(likelihood)``), not once a
    probability: a log per binary prediction cost as much as the sigmoid's exp.
    """
    likelihood *= probability
    if likelihood < SMALLEST_LIKELIHOOD:
        return 1.0, loss - np.log(likelihood)
    return likelihood, loss


@numba.njit(cache=CACHE, inline="always")
def logistic_loss(margin):
    """Return -log(sigmoid(margin)) computed stably (no overflow, never infinite)."""
    margin = np.float64(margin)
    if margin > 0:
        return np.log1p(np.exp(-margin))
    return -margin + np.log1p(np.exp(margin))


@numba.njit(cache=CACHE, fastmath=True)
def dot_row(x, matrix, row):
    """Return the dot product of vector x with matrix[row] (a float32 reduction)."""
    total = np.float32(0.0)
    for k in range(x.shape[0]):
        total += x[k] * matrix[row, k]
    return total


@numba.njit(cache=CACHE)
def add_scaled_row(target, scale, matrix, row):
    """Add scale * matrix[row] to the vector target, in place."""
    for k in range(target.shape[0]):
        target[k] += scale * matrix[row, k]


@numba.njit(cache=CACHE)
def add_scaled_to_row(matrix, row, scale, x):
    """Add scale * x to matrix[row], in place."""
    for k in range(x.shape[0]):
        matrix[row, k] += scale * x[k]


@numba.njit(cache=CACHE)
def output_row_step(grad, scale, matrix, row, x):
    """Add scale * matrix[row] to grad, then scale * x to matrix[row]: one pass, in place.

    The step of one output row in a prediction: the gradient for the input reads the row
    as it was before its own update, as two separate passes would (same results, bit for
    bit), but each element of the row is loaded once: skip-gram fits took 11-13 % less
    time on one thread than with the two passes.
    """
    for k in range(x.shape[0]):
        value = matrix[row, k]
        grad[k] += scale * value
        matrix[row, k] = value + scale * x[k]


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Ask the CPU to start loading every cache line of ``matrix[row]`` (for writing).

    Rows of the output weights are read at random; fetching them before the arithmetic
    that needs them hides part of the memory latency. A hint only: results are unchanged.
    """
    signature = types.void(matrix, row)

    def codegen(context, builder, sig, args):
        matrix_type = sig.args[0]
        array = context.make_array(matrix_type)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        index = context.cast(builder, args[1], sig.args[1], types.intp)
        start = cgutils.get_item_pointer(context, builder, matrix_type, array, [index, zero])
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]),
            "llvm.prefetch.p0i8",
        )
        base = builder.bitcast(start, byte_pointer)
        row_bytes = builder.mul(
            builder.extract_value(array.shape, 1),
            context.get_constant(types.intp, matrix_type.dtype.bitwidth // 8),
        )
        line = context.get_constant(types.intp, 64)
        with cgutils.for_range_slice(builder, zero, row_bytes, line) as (offset, _):
            # rw=1 (write), locality=3 (keep in all cache levels), cache type=1 (data)
            builder.call(prefetch, [builder.gep(base, [offset]), ir.Constant(int32, 1),
                                    ir.Constant(int32, 3), ir.Constant(int32, 1)])
        return context.get_dummy_value()

    return signature, codegen

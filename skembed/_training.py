"""The epoch loop that every trainer runs.

A trainer supplies what one epoch does (one or more kernel calls) and how to build the
current vectors; this module owns everything around it, so that every estimator, present
and coming, behaves the same way:

* the numba thread count of each kernel call (restored after it);
* the callbacks protocol: ``on_train_begin(estimator)``, ``on_epoch_begin(estimator,
  epoch)``, ``on_epoch_end(estimator, epoch, logs)`` (True stops training early) and
  ``on_train_end(estimator, logs)``;
* the progress bar on a terminal (``verbose > 0``), one log line per epoch otherwise;
* timing and throughput (``logs["words_per_second"]`` or ``logs["entries_per_second"]``);
* the loss curve;
* the learning-rate schedule handed to the kernels (``linear_schedule``);
* interrupts: ``run_blocks`` cuts an epoch into kernel calls over consecutive ranges
  of work blocks, so Ctrl-C is seen within a fraction of a second instead of at the end
  of an epoch.
"""

import time
from dataclasses import dataclass, field

from ._kernels._bundles import LinearSchedule
from ._progress import terminal_progress
from ._threads import numba_threads

CALLBACK_HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")

# Work blocks per thread in one kernel call. A block is about 10,000 tokens (a few
# milliseconds), so a call lasts a fraction of a second: Python sees an interrupt at
# least that often, while the threads wait for each other only once per 32 blocks.
BLOCKS_PER_CALL = 32


def call_hooks(callbacks, hook, *args):
    """Call ``hook`` on every callback that has it.

    Parameters
    ----------
    callbacks : iterable of objects or None
        Callback objects; those without the method are skipped.
    hook : str
        One of ``CALLBACK_HOOKS``.
    *args
        Arguments of the hook.

    Returns
    -------
    stop : bool
        True if any callback returned a true value (asks to stop training).
    """
    stop = False
    for callback in callbacks or ():
        method = getattr(callback, hook, None)
        if method is not None and method(*args):
            stop = True
    return stop


def run_blocks(kernel, n_blocks, n_threads, blocks_per_call=BLOCKS_PER_CALL):
    """Run ``kernel(first, end)`` over consecutive ranges covering ``range(n_blocks)``.

    Each range holds ``n_threads * blocks_per_call`` blocks, so each worker of a parallel
    kernel gets the same blocks as in one call over the whole epoch and a one-thread
    epoch trains the blocks in the same order. Between calls, Python handles signals: a
    KeyboardInterrupt stops training after the blocks in flight.

    Each call runs inside ``numba_threads``, which the parallel kernels need.

    Parameters
    ----------
    kernel : callable
        Called as ``kernel(first, end)`` to train blocks ``first`` to ``end - 1``.
    n_blocks : int
        Blocks in the epoch.
    n_threads : int
        Workers of the kernel.
    blocks_per_call : int, default=BLOCKS_PER_CALL
        Blocks per worker in one call.
    """
    step = max(1, n_threads) * blocks_per_call
    for first in range(0, n_blocks, step):
        end = min(first + step, n_blocks)
        # The thread count (and, on numba's workqueue layer, the process-wide launch
        # lock) is held per call, so fits in other threads take turns call by call.
        with numba_threads(n_threads):
            kernel(first, end)


def linear_schedule(alpha, min_alpha, epoch, epochs, seeds, compute_loss):
    """Bundle one epoch of a learning rate decaying linearly over all epochs' tokens.

    Parameters
    ----------
    alpha, min_alpha : float
        Rates at the start of the first epoch and at the end of the last.
    epoch, epochs : int
        This epoch (from 0) and the number of epochs.
    seeds : ndarray of uint64
        One random state per work block.
    compute_loss : bool
        Whether the kernels compute the loss.

    Returns
    -------
    LinearSchedule
    """
    return LinearSchedule(float(alpha), float(min_alpha), int(epoch), int(epochs), seeds,
                          bool(compute_loss))


@dataclass
class TrainingHistory:
    """What the epoch loop returns.

    Attributes
    ----------
    loss_curve : list of float
        Mean loss of each epoch run (empty when the loss is not computed).
    n_iter : int
        Epochs run (fewer than asked if a callback stopped training).
    """

    loss_curve: list = field(default_factory=list)
    n_iter: int = 0


def run_epochs(estimator, train_epoch, *, epochs, n_threads, unit, units_per_epoch,
               current_vectors, compute_loss=True, extra_hooks=()):
    """Train ``epochs`` epochs with callbacks, progress, timing and early stop.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted: passed to the callbacks; its ``verbose``,
        ``callbacks`` and ``_report`` are used.
    train_epoch : callable
        ``train_epoch(epoch, n_threads)`` trains one epoch and returns its mean loss per
        example (a float; ignored when ``compute_loss`` is False).
    epochs : int
        Epochs to run unless a callback stops training.
    n_threads : int
        numba threads to train with (passed to ``train_epoch``, which launches its kernels
        through ``run_blocks``).
    unit : {"words", "entries"}
        What the throughput counts; the logs hold ``f"{unit}_per_second"``.
    units_per_epoch : int
        How many of them one epoch processes.
    current_vectors : callable
        Returns the current vectors (a ``skembed.Vectors``); called after each
        epoch only when the estimator has callbacks.
    compute_loss : bool, default=True
        Whether the loss is recorded in the curve and the logs.
    extra_hooks : sequence of objects, default=()
        The estimator's own hooks (early stopping), called before its callbacks, so that
        what they add to the logs (``validation_score``) reaches the callbacks.

    Returns
    -------
    TrainingHistory
    """
    history = TrainingHistory()
    callbacks = getattr(estimator, "callbacks", None)
    bar = terminal_progress(getattr(estimator, "verbose", 0))
    hooks = [*extra_hooks, *(callbacks or ()), *bar]
    logs = {}
    call_hooks(hooks, "on_train_begin", estimator)
    for epoch in range(epochs):
        call_hooks(hooks, "on_epoch_begin", estimator, epoch)
        start = time.perf_counter()
        loss = train_epoch(epoch, n_threads)
        seconds = time.perf_counter() - start
        history.n_iter = epoch + 1
        if compute_loss:
            history.loss_curve.append(float(loss))
        rate = units_per_epoch / max(seconds, 1e-9)
        logs = {
            "loss": float(loss) if compute_loss else None,
            f"{unit}_per_second": rate,
            "seconds": seconds,
            # Only callbacks see the logs: build the vectors only for them.
            "vectors": current_vectors() if callbacks else None,
        }
        shown_loss = "" if logs["loss"] is None else f", loss {logs['loss']:.4f}"
        estimator._report(f"epoch {epoch + 1}/{epochs}: {rate:,.0f} {unit}/s on "
                          f"{n_threads} thread(s){shown_loss}", echo=not bar)
        if call_hooks(hooks, "on_epoch_end", estimator, epoch, logs):
            break
    call_hooks(hooks, "on_train_end", estimator, logs)
    return history

"""Training progress for the command line: a callback that reports every epoch.

``EpochProgress`` (public as ``skembed.callbacks.EpochProgress``) follows the callbacks
protocol of the embedding estimators (``on_train_begin``, ``on_epoch_begin``,
``on_epoch_end``, ``on_train_end``; see ``skembed.callbacks``). On a
terminal it redraws one status line; otherwise (a file, a pipe, a CI log) it writes one
plain line per epoch. Every epoch is also logged at INFO level on this module's logger,
which stays silent unless the application configures logging.
"""

import logging
import shutil
import sys
import time

logger = logging.getLogger(__name__)

_BAR_WIDTH = 20


def format_duration(seconds):
    """Format a duration as ``H:MM:SS``.

    Parameters
    ----------
    seconds : float
        A non-negative duration.

    Returns
    -------
    str
    """
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _compact(rate):
    """Format a rate with a k/M/G suffix: 1234567 -> ``1.23M``."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if rate >= limit:
            return f"{rate / limit:.3g}{suffix}"
    return f"{rate:.0f}"


def _rate(logs):
    """Return the throughput in ``logs`` and its unit, or (None, None)."""
    for key, unit in (("words_per_second", "words"), ("entries_per_second", "entries")):
        if logs.get(key) is not None:
            return float(logs[key]), unit
    return None, None


class EpochProgress:
    """Report training progress once per epoch, on a terminal or as plain lines.

    Pass an instance in the ``callbacks`` parameter of an embedding estimator. When the
    stream is a terminal (``stream.isatty()``), one line is redrawn in place with a bar,
    the epoch, the share of epochs done, the throughput of the last epoch, its loss and
    the estimated time left. Otherwise one line is written per epoch. The estimate is
    the mean time per finished epoch (since training began) times the epochs left.

    Parameters
    ----------
    stream : file-like object or None, default=None
        Where to write. None means ``sys.stderr``, looked up at each write (so the
        object pickles and deep-copies, and follows a redirected ``sys.stderr``).

    See Also
    --------
    skembed.callbacks : The callbacks protocol.
    skembed.Word2VecTransformer : Takes callbacks, as the other embedding estimators do.

    Notes
    -----
    The estimators call the hooks between epochs only, so the bar moves once per epoch.
    Each epoch is also logged at INFO level on the ``skembed._progress`` logger.

    ``sklearn.base.clone`` gives a fresh instance writing to the same stream (an open
    stream cannot be deep-copied).

    Examples
    --------
    >>> import io
    >>> from skembed import Word2VecTransformer
    >>> from skembed.callbacks import EpochProgress
    >>> stream = io.StringIO()
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
    >>> model = Word2VecTransformer(vector_size=4, min_count=1, epochs=2, random_state=0,
    ...                             callbacks=[EpochProgress(stream)]).fit(docs)
    >>> [line.split(":")[0] for line in stream.getvalue().splitlines()]
    ['epoch 1/2 (50%)', 'epoch 2/2 (100%)']
    """

    def __init__(self, stream=None):
        self.stream = stream
        self._reset(1)

    def __sklearn_clone__(self):
        """Return a fresh instance writing to the same stream (estimators clone callbacks)."""
        return type(self)(self.stream)

    def _reset(self, total):
        self._total = max(int(total), 1)
        self._done = 0
        self._start = time.perf_counter()
        self._rate = None
        self._unit = None
        self._loss = None
        self._terminal = False
        self._drawn = 0  # width of the status line on screen; 0 when no line is open
        self._line = None
        self._room = 79
        self._bar_width = _BAR_WIDTH

    # ------------------------------------------------------------------ output

    def _stream(self):
        return sys.stderr if self.stream is None else self.stream

    def _is_terminal(self):
        isatty = getattr(self._stream(), "isatty", None)
        try:
            return bool(isatty and isatty())
        except (OSError, ValueError):  # a closed or detached stream
            return False

    def _write(self, text):
        stream = self._stream()
        stream.write(text)
        stream.flush()

    def _draw(self, line):
        """Redraw the status line in place, padded to hide a longer previous line."""
        if line == self._line:
            return
        self._write("\r" + line.ljust(self._drawn))
        self._drawn = len(line)
        self._line = line

    def close(self):
        """End the status line, if one is open, so that later output starts afresh."""
        if self._drawn:
            self._write("\n")
            self._drawn = 0
            self._line = None

    # ------------------------------------------------------------------- lines

    def _fit_width(self):
        """Size the bar once, so that it keeps its width as the numbers change.

        It gets what the terminal width leaves beside the longest likely text, up to 20
        characters, and none below 5.
        """
        self._room = max(shutil.get_terminal_size().columns - 1, 20)
        widest = (f"epoch {self._total}/{self._total}  100%  999M entries/s  loss 99.9999  "
                  "ETA 00:00:00")
        bar_width = min(_BAR_WIDTH, self._room - len(widest) - 3)
        self._bar_width = bar_width if bar_width >= 5 else 0

    def _eta(self):
        if self._done == 0:
            return None
        elapsed = time.perf_counter() - self._start
        return elapsed / self._done * (self._total - self._done)

    def _status_line(self, epoch, finished=False):
        """Build the terminal line: bar, epoch, share done, rate, loss and ETA.

        The line is cut at the terminal width (measured when training begins).
        """
        parts = [f"epoch {epoch}/{self._total}", f"{100 * self._done / self._total:.0f}%"]
        if self._rate is not None:
            parts.append(f"{_compact(self._rate)} {self._unit}/s")
        if self._loss is not None:
            parts.append(f"loss {self._loss:.4f}")
        if finished:
            parts.append(f"took {format_duration(time.perf_counter() - self._start)}")
        else:
            eta = self._eta()
            parts.append("ETA " + ("-:--:--" if eta is None else format_duration(eta)))
        text = "  ".join(parts)
        if self._bar_width:
            filled = round(self._bar_width * self._done / self._total)
            text = f"[{'#' * filled}{'.' * (self._bar_width - filled)}] {text}"
        return text[: self._room]

    def _plain_line(self, seconds):
        parts = []
        if self._loss is not None:
            parts.append(f"loss {self._loss:.4f}")
        if self._rate is not None:
            parts.append(f"{self._rate:,.0f} {self._unit}/s")
        if seconds is not None:
            parts.append(f"{seconds:.2f} s")
        parts.append(f"ETA {format_duration(self._eta())}")
        percent = 100 * self._done / self._total
        return f"epoch {self._done}/{self._total} ({percent:.0f}%): {', '.join(parts)}"

    # ------------------------------------------------------------------- hooks

    def on_train_begin(self, estimator):
        """Start timing; on a terminal, draw the empty bar.

        Parameters
        ----------
        estimator : object
            The estimator being fitted; its ``epochs`` gives the number of epochs.
        """
        self._reset(getattr(estimator, "epochs", 1))
        self._terminal = self._is_terminal()
        if self._terminal:
            self._fit_width()
            self._draw(self._status_line(1))

    def on_epoch_begin(self, estimator, epoch):
        """On a terminal, show the epoch now being trained.

        Parameters
        ----------
        estimator : object
            The estimator being fitted.
        epoch : int
            The epoch starting, from 0.
        """
        if self._terminal:
            self._draw(self._status_line(epoch + 1))

    def on_epoch_end(self, estimator, epoch, logs):
        """Report the epoch just finished.

        Parameters
        ----------
        estimator : object
            The estimator being fitted.
        epoch : int
            The epoch finished, from 0.
        logs : dict
            ``seconds``, ``loss`` (None when not computed) and ``words_per_second`` or
            ``entries_per_second``.
        """
        self._done = epoch + 1
        self._rate, self._unit = _rate(logs)
        self._loss = logs.get("loss")
        seconds = logs.get("seconds")
        logger.info("epoch %d/%d: loss %s, %s %s/s, %s s", self._done, self._total,
                    self._loss, self._rate, self._unit, seconds)
        if self._terminal:
            self._draw(self._status_line(self._done))
        else:
            self._write(self._plain_line(seconds) + "\n")

    def on_train_end(self, estimator, logs):
        """Finish the status line with the total time.

        Parameters
        ----------
        estimator : object
            The estimator being fitted.
        logs : dict
            The logs of the last epoch (empty when no epoch ran).
        """
        elapsed = time.perf_counter() - self._start
        logger.info("trained %d of %d epoch(s) in %.2f s", self._done, self._total, elapsed)
        if self._terminal:
            self._draw(self._status_line(max(self._done, 1), finished=True))
            self.close()


def terminal_progress(verbose, stream=None):
    """Return ``[EpochProgress]`` for an estimator's ``verbose`` on a terminal, else ``[]``.

    With ``verbose > 0``, estimators draw this bar when their output is a terminal and
    print one line per epoch otherwise (logs, pipes, notebooks' captured output).
    """
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if verbose and isatty is not None and isatty():
        return [EpochProgress(stream)]
    return []


class ItemProgress:
    """Report progress through a known number of items (texts encoded, tokens distilled).

    Call the object with the number of items done so far after each batch, and
    ``close()`` at the end. Nothing is written unless ``verbose > 0``. On a terminal one
    line is redrawn at most every 0.2 s; otherwise a line is written at each tenth of the
    work, so a log gets about ten lines however many batches there are.

    Parameters
    ----------
    label : str
        What is being done, such as ``"[distill] encoding tokens"``.
    total : int
        Number of items.
    verbose : int
        Report only when > 0.
    stream : file-like object or None, default=None
        Where to write; None means ``sys.stdout``.
    """

    def __init__(self, label, total, verbose, stream=None):
        self.label = label
        self.total = max(int(total), 1)
        self.verbose = verbose
        self.stream = sys.stdout if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self._terminal = bool(verbose) and isatty is not None and isatty()
        self._start = time.perf_counter()
        self._last_draw = -1.0
        self._next_tenth = 1
        self._drawn = False

    def _line(self, done):
        seconds = time.perf_counter() - self._start
        rate = done / seconds if seconds > 0 else 0.0
        share = done / self.total
        left = (self.total - done) / rate if rate > 0 else 0.0
        filled = int(round(_BAR_WIDTH * share))
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        return (f"{self.label} [{bar}] {done:,}/{self.total:,} ({share:.0%}) "
                f"{_compact(rate)}/s, {format_duration(seconds)} elapsed, "
                f"{format_duration(left)} left")

    def __call__(self, done):
        """Report that ``done`` items are finished."""
        if not self.verbose:
            return
        now = time.perf_counter()
        if self._terminal:
            if now - self._last_draw >= 0.2 or done >= self.total:
                self.stream.write("\r" + self._line(done))
                self.stream.flush()
                self._last_draw = now
                self._drawn = True
        elif done * 10 >= self._next_tenth * self.total:
            self._next_tenth = done * 10 // self.total + 1
            self.stream.write(self._line(done) + "\n")
            self.stream.flush()

    def close(self):
        """End the redrawn line on a terminal."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

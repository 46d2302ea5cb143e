"""Callbacks: follow, report on or stop the training of an embedding estimator.

[`Word2VecTransformer`][skembed.Word2VecTransformer],
[`FastTextTransformer`][skembed.FastTextTransformer] and
[`GloVeTransformer`][skembed.GloVeTransformer] take a ``callbacks`` parameter: a list of
objects, each with any of these methods (a missing one is skipped), called by ``fit``
between epochs:

* ``on_train_begin(estimator)``: once, after the vocabulary is built (and, for GloVe,
  the co-occurrences counted), before the first epoch.
* ``on_epoch_begin(estimator, epoch)``: before each epoch, numbered from 0.
* ``on_epoch_end(estimator, epoch, logs)``: after each epoch. ``logs`` is a dict with
  ``"loss"`` (the epoch's mean loss per training example, None when
  ``compute_loss=False``), ``"words_per_second"`` (word2vec and fastText) or
  ``"entries_per_second"`` (GloVe, non-zero co-occurrences), ``"seconds"`` (the epoch's
  wall time) and ``"vectors"`` (a [`Vectors`][skembed.Vectors] of the token vectors
  at the end of the epoch, built only when there are callbacks: a copy, which training
  no longer changes, so a callback may keep it).
  Returning a true value stops training after this epoch; the fitted ``n_iter_`` then
  counts the epochs run.
* ``on_train_end(estimator, logs)``: once, after the last epoch run, with that epoch's
  ``logs`` (an empty dict when no epoch ran).

``estimator`` is the estimator being fitted. Its fitted attributes (``vectors_`` and the
others) are set all at once when ``fit`` succeeds, so during training read the vectors
from ``logs["vectors"]``. An exception raised by a callback (or a Ctrl-C) ends ``fit``
and leaves the estimator unfitted. With pretrained vectors used as they are
(``fine_tune=False``) nothing is trained and no hook is called.

Callbacks are a parameter, so ``sklearn.base.clone`` (and therefore a grid search or a
cross-validation) gives every copy of the estimator its own deep copy of them, unless a
callback defines ``__sklearn_clone__`` as [`EpochProgress`][skembed.callbacks.EpochProgress]
does. With ``verbose > 0`` and a terminal as standard output the estimators add an
``EpochProgress`` of their own.

Examples
--------
A callback that keeps the loss of each epoch and stops when it no longer falls by 1%:

>>> from skembed import Word2VecTransformer
>>> class StopOnPlateau:
...     def __init__(self):
...         self.losses = []
...     def on_epoch_end(self, estimator, epoch, logs):
...         self.losses.append(logs["loss"])
...         return len(self.losses) > 1 and self.losses[-1] > 0.99 * self.losses[-2]
>>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 20
>>> stop = StopOnPlateau()
>>> model = Word2VecTransformer(vector_size=4, min_count=1, epochs=50, random_state=0,
...                             callbacks=[stop]).fit(docs)
>>> model.n_iter_ == len(stop.losses) < 50
True
"""

from ._progress import EpochProgress

__all__ = ["EpochProgress"]

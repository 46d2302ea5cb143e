"""FastTextClassifier: fastText's supervised text classifier as a scikit-learn estimator."""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, ClassNamePrefixFeaturesOutMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._base import _DEFAULT_VECTOR_SIZE, _BaseTextEstimator, _PretrainedVocabulary
from ._compat import N_JOBS_CONSTRAINT, Interval, StrOptions, fit_context
from ._fasttext import FastTextVectors
from ._kernels._bundles import ClassifierOutput, ClassTargets, DocumentSchedule, block_stats
from ._kernels._classifier import (
    HIERARCHICAL,
    ONE_VS_ALL,
    SOFTMAX,
    classifier_epoch,
    document_vectors,
)
from ._kernels._fasttext import mean_rows
from ._labels import class_tree, document_weights, encode_targets
from ._random import SeedSource
from ._subwords import checked_max_n
from ._supervised_inputs import InputLayout
from ._threads import numba_threads, resolve_n_jobs
from ._tokenize import subword_tokenizer_of, without_padding
from ._training import run_blocks, run_epochs
from ._vectors import HasKeyedVectors, Vectors, matching_rows
from ._vocab import extend_vocabulary
from ._wordpiece import fast_wordpiece

_LOSSES = {"softmax": SOFTMAX, "hs": HIERARCHICAL, "ova": ONE_VS_ALL}
_BLOCK_ROWS = 10_000  # input rows per work block: a few milliseconds of work
_PRIVATE_OUTPUT_FLOATS = 1 << 20  # larger output layers are shared, not copied per block
_SCORE_SLICE = 4096  # documents scored at a time by the hierarchical softmax


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


class _EarlyStopping:
    """Stop when the validation score has not improved by ``tol`` for some epochs."""

    def __init__(self, score, n_iter_no_change, tol):
        self.score, self.n_iter_no_change, self.tol = score, n_iter_no_change, tol
        self.scores, self.best, self.stale = [], -np.inf, 0

    def on_epoch_end(self, estimator, epoch, logs):
        score = self.score()
        self.scores.append(score)
        logs["validation_score"] = score
        if self.tol is not None and score < self.best + self.tol:
            self.stale += 1
        else:
            self.stale = 0
        self.best = max(self.best, score)
        return self.stale >= self.n_iter_no_change


class FastTextClassifier(ClassifierMixin, ClassNamePrefixFeaturesOutMixin, _BaseTextEstimator):
    """Supervised fastText: averaged word and n-gram embeddings feeding a linear softmax.

    Each document is represented by the mean of the input vectors of its words, of their
    character n-grams (``max_n > 0``) and of its hashed word n-grams (``word_ngrams > 1``);
    a linear output layer with a bias turns that vector into class scores. Input vectors
    and output layer are trained together with the labels by SGD, as in "Bag of Tricks for
    Efficient Text Classification" (Joulin et al., 2017). The input vectors can start from
    vectors learned on unlabelled text (``pretrained``), which helps most when labelled
    data are few.

    Parameters
    ----------
    vector_size : int or None, default=None
        Dimension of the input vectors (and of ``transform``'s rows). None means the
        dimension of the ``pretrained`` vectors when they are given, 100 otherwise.
    word_ngrams : int, default=1
        Longest word n-gram: with 2, each pair of consecutive words is a feature too. Word
        n-grams are hashed into ``bucket`` buckets as fastText does.
    min_n : int, default=3
        Shortest character n-gram (used only when ``max_n > 0``).
    max_n : int, default=0
        Longest character n-gram; 0 (fastText's supervised default) turns character
        n-grams off. With them, words never seen in training still get vectors.
    bucket : int, default=2_000_000
        Number of hash buckets shared by character and word n-grams (fastText's hashes,
        so bucket ids equal fastText's). Only buckets seen in training get a row.
    epochs : int, default=5
        Passes over the training documents.
    alpha : float, default=0.1
        Initial learning rate; it decays linearly to 0 over all epochs' documents.
    loss : {"softmax", "hs", "ova"}, default="softmax"
        Output layer: a softmax over the classes; a hierarchical softmax along a Huffman
        tree of the classes (cost logarithmic in the number of classes); or one-vs-all,
        an independent logistic regression per class, which also trains a multi-label
        ``y`` (a binary indicator matrix).
    min_count : int, default=1
        Ignore words seen fewer times than this (they still take part in word n-grams).
    max_vocab_size : int or None, default=None
        Bound on the distinct words held while counting.
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are: raw text, lists of str tokens, or paths of text files
        with one document per line.
    encoding : str, default="utf-8"
        Encoding of files read with ``input="filename"``.
    tokenizer : str, path, tokenizers.Tokenizer, callable or None, default=None
        None: the tokenizer stored with the ``pretrained`` vectors when they have one
        (vectors from ``skembed.distill`` carry their teacher's WordPiece tokenizer, so
        their tokens match), else ``"word"``. Otherwise ``"word"`` (whole words, as
        fastText), a subword model trained in ``fit`` (``"bpe"``, ``"wordpiece"``,
        ``"unigram"``), a given ``tokenizers.Tokenizer`` or ``tokenizer.json`` path, or a
        callable ``str -> list of str``.
    lowercase : bool, default=True
        Lowercase text before tokenizing.
    subword_vocab_size : int, default=8000
        Vocabulary size of a subword tokenizer trained in ``fit``.
    pretrained : Vectors, path or gensim KeyedVectors, default=None
        Vectors that initialise input rows, as fastText's ``-pretrainedVectors``: skembed
        ``Vectors`` (a fitted estimator's ``vectors_``, or what ``skembed.distill``
        returns), a vector file ``skembed.io.load_vectors`` reads, or gensim vectors. As
        in fastText, all their words join the vocabulary (those the training documents
        lack with count 0), so words never seen with a label still have their vectors at
        predict time.
    fine_tune : bool, default=True
        Train the pretrained rows with the labels. If False they stay as given, and only
        the other input rows and the output layer learn.
    fit_intercept : bool, default=False
        Give each output row a bias, initialised to the class priors and trained. fastText
        has none: the end-of-document row, shared by all documents, plays its part. A bias
        makes the model lean on the priors early in training; measured on the shared sets,
        it gained up to 0.7 points of accuracy where training was long enough and lost up
        to 4 points where it was short, so it is off by default.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn: each document's gradient is scaled by
        its class's weight. Single-label ``y`` only.
    shuffle : bool, default=True
        Visit the training documents in a new random order every epoch (fastText keeps the
        file's order, which trains badly on data sorted by class).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training documents (stratified) and stop
        when their accuracy has not improved by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
        Share of the training documents held out by ``early_stopping``.
    n_iter_no_change : int, default=5
        Epochs without improvement before ``early_stopping`` stops.
    tol : float or None, default=1e-3
        Smallest improvement of the validation accuracy that counts; None never stops.
    compute_loss : bool, default=True
        Record the mean training loss of each epoch in ``loss_curve_``.
    n_jobs : int or None, default=None
        Threads for training and for ``transform``/``predict``. None means 1, -1 all cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors, the shuffling and the validation split. With
        ``n_jobs=1`` two fits with the same seed are bit-for-bit identical.
    verbose : int, default=0
        Print progress when > 0.
    callbacks : list of objects or None, default=None
        Objects with any of ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end`` and
        ``on_train_end`` (see ``skembed.callbacks``); ``on_epoch_end`` returning True stops
        training.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (for a multi-label ``y``, the column numbers).
    class_count_ : ndarray of int64 of shape (n_classes,)
        Training documents of each class.
    coef_ : ndarray of float32 of shape (n_outputs, vector_size)
        Output weights: one row per class (``loss="softmax"`` or ``"ova"``), or per inner
        node of the Huffman tree of the classes (``loss="hs"``, ``n_classes - 1`` rows).
    intercept_ : ndarray of float32 of shape (n_outputs,)
        The bias of each output row (zeros unless ``fit_intercept=True``).
    input_matrix_ : ndarray of float32 of shape (n_vocabulary + 2 + n_buckets_used, vector_size)
        Input vectors: one row per vocabulary word, one for the end-of-document token,
        a row of zeros that n-gram buckets never seen in training read, then one row
        per n-gram bucket seen in training.
    ngram_buckets_ : ndarray of int64 of shape (n_buckets_used,)
        Bucket id of each of the last rows of ``input_matrix_``, sorted.
    vectors_ : Vectors or FastTextVectors
        The trained word vectors (with character n-grams: each word's mean over its rows,
        and vectors for unseen words).
    tokenizer_ : object
        The fitted tokenizer.
    vocabulary_ : dict of str to int
        Word to row of ``input_matrix_``.
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Training count of each word.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean training loss of each epoch (empty when ``compute_loss=False``).
    validation_scores_ : list of float or None
        Validation accuracy after each epoch with ``early_stopping``, else None.
    n_pretrained_ : int
        Vocabulary words whose rows started from ``pretrained`` (all the pretrained
        words: they join the vocabulary).

    See Also
    --------
    FastTextTransformer : Unsupervised fastText vectors, pooled per document.
    sklearn.linear_model.LogisticRegression : The usual classifier on TF-IDF features.

    Notes
    -----
    Training follows fastText's supervised mode: input vectors uniform in ``[-1/dim,
    1/dim)``, output weights 0, the gradient of the hidden vector divided by the number
    of input rows and added to each of them, a learning rate decaying linearly to 0.
    Differences: an optional output bias (``fit_intercept``), per-epoch shuffling, and
    n-gram buckets first seen at predict time read one shared row of zeros instead of
    their own untrained random rows (the mean is divided by as many rows as fastText's,
    without the noise). As in fastText, every document ends with an end-of-document
    token (``</s>``) whose row is shared by all documents; it takes part in word
    n-grams.

    ``transform`` returns each document's hidden vector, and ``decision_function`` is
    ``transform(X) @ coef_.T + intercept_`` for ``loss="softmax"`` and ``"ova"`` (for
    ``"hs"`` it returns the log-probability of each class). With ``n_jobs > 1`` the
    threads update shared input vectors without locks (Hogwild), so fits vary slightly
    from run to run.

    References
    ----------
    A. Joulin, E. Grave, P. Bojanowski and T. Mikolov, "Bag of Tricks for Efficient Text
    Classification", EACL 2017.

    Examples
    --------
    >>> from skembed import FastTextClassifier
    >>> docs = ["a happy happy day", "what a sad day", "so happy", "sad and grey"] * 20
    >>> labels = ["pos", "neg", "pos", "neg"] * 20
    >>> clf = FastTextClassifier(vector_size=8, epochs=10, random_state=0).fit(docs, labels)
    >>> clf.predict(["happy", "sad"]).tolist()
    ['pos', 'neg']
    >>> clf.transform(["happy"]).shape
    (1, 8)
    """

    _parameter_constraints = {
        **_BaseTextEstimator._parameter_constraints,
        "tokenizer": [*_BaseTextEstimator._parameter_constraints["tokenizer"], None],
        "vector_size": [Interval(Integral, 1, None, closed="left"), None],
        "word_ngrams": [Interval(Integral, 1, None, closed="left")],
        "min_n": [Interval(Integral, 1, None, closed="left")],
        "max_n": [Interval(Integral, 0, None, closed="left")],
        "bucket": [Interval(Integral, 1, 2**31 - 1, closed="both")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(_LOSSES))],
        "pretrained": [str, os.PathLike, Vectors, HasKeyedVectors(), None],
        "fine_tune": ["boolean"],
        "fit_intercept": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "compute_loss": ["boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
    }

    def __init__(
        self,
        *,
        vector_size=None,
        word_ngrams=1,
        min_n=3,
        max_n=0,
        bucket=2_000_000,
        epochs=5,
        alpha=0.1,
        loss="softmax",
        min_count=1,
        max_vocab_size=None,
        input="content",
        encoding="utf-8",
        tokenizer=None,
        lowercase=True,
        subword_vocab_size=8000,
        pretrained=None,
        fine_tune=True,
        fit_intercept=False,
        class_weight=None,
        shuffle=True,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-3,
        compute_loss=True,
        n_jobs=None,
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.vector_size = vector_size
        self.word_ngrams = word_ngrams
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.epochs = epochs
        self.alpha = alpha
        self.loss = loss
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.input = input
        self.encoding = encoding
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.subword_vocab_size = subword_vocab_size
        self.pretrained = pretrained
        self.fine_tune = fine_tune
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.compute_loss = compute_loss
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # ------------------------------------------------------------------ fitting

    @fit_context
    def fit(self, X, y, sample_weight=None):
        """Learn the vocabulary, the input vectors and the output layer from labelled X.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents as set by ``input``; a one-shot generator is read once.
        y : array-like of shape (n_documents,) or (n_documents, n_labels)
            Class labels, or (with ``loss="ova"``) a binary indicator matrix of labels.
        sample_weight : array-like of shape (n_documents,), default=None
            Non-negative weight of each document (its gradient is scaled by it).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self._fit_supervised(X, y, sample_weight)
        return self

    @fit_context
    def fit_transform(self, X, y, sample_weight=None):
        """Fit to labelled X and return its document vectors, reading X only once.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.
        y : array-like of shape (n_documents,) or (n_documents, n_labels)
            Labels, as for ``fit``.
        sample_weight : array-like of shape (n_documents,), default=None
            Weight of each document.

        Returns
        -------
        X_new : ndarray of float32 of shape (n_documents, vector_size)
            The hidden vector of each document, as ``transform`` gives.
        """
        corpus = self._fit_supervised(X, y, sample_weight)
        try:
            return self._transform_encoded(corpus)
        except BaseException:
            self._clear_fitted()
            raise

    def _fit_supervised(self, X, y, sample_weight):
        # Cheap checks of y and of the parameters come before X is read; failing, they
        # leave the estimator unfitted, as any failed fit does.
        try:
            targets = encode_targets(y, loss=self.loss, estimator_name=type(self).__name__)
            self._max_n()
            if self.pretrained is not None:
                self._check_tokenizer_for_vectors()
        except BaseException:
            self._clear_fitted()
            raise
        return self._fit_and_encode(X, targets=targets, sample_weight=sample_weight)

    def _max_n(self):
        """Return the longest character n-gram used (0: none), refusing ``max_n < min_n``."""
        return checked_max_n(self.min_n, self.max_n)

    def build_analyzer(self):
        """Return the callable that splits one document into tokens.

        With ``tokenizer=None`` and ``pretrained`` vectors, the tokenizer may come with
        the vectors, so the estimator must be fitted first.

        Returns
        -------
        analyzer : callable
            Maps one document (a str, or a list of str with ``input="tokens"``) to a list
            of token strings.
        """
        if self.tokenizer is None and not hasattr(self, "tokenizer_"):
            if self.pretrained is not None:
                check_is_fitted(self)
            return clone(self).set_params(tokenizer="word").build_analyzer()
        return super().build_analyzer()

    def _fast_tokenizer(self, tokenizer_):
        # A BERT WordPiece tokenizer (distilled vectors') gets its exact cached fast path.
        return fast_wordpiece(tokenizer_) or tokenizer_

    def _fit_vocabulary(self, X):
        if self.pretrained is None:
            return super()._fit_vocabulary(X, tokenizer=self.tokenizer or "word")
        vectors = self._pretrained_vectors()
        tokenizer = self.tokenizer
        if tokenizer is None:
            # Vectors of subword tokens (distilled ones) carry the tokenizer that made them.
            stored = subword_tokenizer_of(vectors.analyzer)
            tokenizer = "word" if stored is None else without_padding(stored[0])
        vocabulary, corpus, tokenizer_ = super()._fit_vocabulary(X, tokenizer=tokenizer)
        if not any(token in vectors.index for token in vocabulary.tokens):
            raise ValueError(
                f"none of the {len(vocabulary)} words of X is in the pretrained vectors "
                f"({len(vectors)} tokens, for example {vectors.tokens[:3]}); split X with "
                "the tokenizer the vectors were made with, and check lowercase"
            )
        # As fastText does, every pretrained word joins the vocabulary: words that the
        # labelled documents lack still have their vectors at predict time.
        vocabulary, corpus = extend_vocabulary(vocabulary, corpus, vectors.tokens)
        return _PretrainedVocabulary(vocabulary.tokens, vocabulary.counts,
                                     vectors=vectors), corpus, tokenizer_

    def _pretrained_rows(self, vocabulary):
        """Rows of the vocabulary that ``pretrained`` covers, their vectors, the dimension."""
        if self.pretrained is None:
            dim = _DEFAULT_VECTOR_SIZE if self.vector_size is None else self.vector_size
            return np.zeros(0, dtype=np.int64), np.zeros((0, dim), np.float32), dim
        rows, values = matching_rows(vocabulary.vectors, vocabulary.tokens)
        return rows, values, vocabulary.vectors.vector_size

    def _output_layer(self, class_count, n_documents, dim):
        """Return the output layer; a fitted bias starts from the class priors."""
        n_classes = len(class_count)
        if self.loss == "hs":
            codes, points, lengths = class_tree(class_count)
            weights = np.zeros((n_classes - 1, dim + 1), dtype=np.float32)
            output = ClassifierOutput(weights, HIERARCHICAL, codes, points, lengths)
        else:
            weights = np.zeros((n_classes, dim + 1), dtype=np.float32)
            output = ClassifierOutput(weights, _LOSSES[self.loss],
                                      np.zeros((1, 1), dtype=np.uint8),
                                      np.zeros((1, 1), dtype=np.int32),
                                      np.zeros(1, dtype=np.int32))
        if self.fit_intercept:
            weights[:, dim] = self._prior_bias(output, class_count, n_documents)
        return output

    def _prior_bias(self, output, class_count, n_documents):
        """Return the bias of each output row that alone predicts the class priors."""
        if output.loss == ONE_VS_ALL:
            # Each class's share of the documents (labels of a multi-label y overlap).
            share = np.clip(class_count / max(n_documents, 1), 1e-6, 1 - 1e-6)
            return np.log(share / (1 - share))
        prior = np.maximum(class_count, 0.5) / max(int(class_count.sum()), 1)
        if output.loss == SOFTMAX:
            return np.log(prior) - np.log(prior).mean()
        # A node's bias: the log-odds of branch 0 among the classes below it.
        n_nodes = len(output.weights)
        below, zero = np.zeros(n_nodes), np.zeros(n_nodes)
        for c in range(len(class_count)):
            nodes = output.points[c, : output.lengths[c]]
            below[nodes] += prior[c]
            zero[nodes] += prior[c] * (output.codes[c, : output.lengths[c]] == 0)
        share = np.clip(zero / np.maximum(below, 1e-12), 1e-6, 1 - 1e-6)
        return np.log(share / (1 - share))

    def _prior_scores(self, class_count, n_documents, multilabel):
        """Class scores that give the training frequencies of the classes."""
        if self.loss == "ova" and multilabel:
            share = np.clip(class_count / max(n_documents, 1), 1e-12, 1 - 1e-12)
            return np.log(share / (1 - share))
        prior = np.maximum(class_count, 0.5) / max(int(class_count.sum()), 1)
        if self.loss == "ova":  # probabilities are normalised over the classes
            return np.log(prior / (1 - np.minimum(prior, 1 - 1e-12)))
        return np.log(prior)  # softmax logits and hierarchical-softmax log-probabilities

    def _split(self, targets, seeds):
        """Return (training documents, validation documents) for early stopping."""
        documents = np.arange(targets.n_documents)
        if not self.early_stopping:
            return documents, documents[:0]
        # Imported here: scikit-learn's model_selection adds 30 ms to `import skembed`.
        from sklearn.model_selection import train_test_split

        stratify = None if targets.multilabel else targets.labels
        try:
            train, validation = train_test_split(
                documents, test_size=self.validation_fraction, stratify=stratify,
                random_state=int(seeds.generator().integers(2**31 - 1)))
        except ValueError as error:
            raise ValueError(
                f"early_stopping cannot hold out validation_fraction="
                f"{self.validation_fraction} of {targets.n_documents} documents: {error}"
            ) from None
        return np.sort(train), np.sort(validation)

    def _fit_encoded(self, vocabulary, corpus, tokenizer_, *, targets, sample_weight):
        if corpus.n_documents != targets.n_documents:
            raise ValueError(
                f"X has {corpus.n_documents} documents but y has {targets.n_documents} "
                "labels; give one label (or row of labels) per document"
            )
        weights = document_weights(targets, self.class_weight, sample_weight)
        layout = InputLayout(vocabulary.tokens, corpus, word_ngrams=self.word_ngrams,
                             min_n=self.min_n, max_n=self._max_n(), bucket=self.bucket)
        seeds = SeedSource(self.random_state)
        W_in, trainable, n_pretrained = self._input_layer(vocabulary, layout, seeds)
        dim = W_in.shape[1]
        class_count = targets.class_count()
        output = self._output_layer(class_count, targets.n_documents, dim)
        history, validation_scores = self._train(
            W_in, trainable, layout.pop_training_inputs(), output, targets, weights, seeds,
            current_vectors=lambda: self._word_vectors(vocabulary.tokens, vocabulary.counts,
                                                       W_in, layout, copy=True))
        return {
            "classes_": targets.classes,
            "class_count_": class_count,
            "coef_": output.weights[:, :dim].copy(),
            "intercept_": output.weights[:, dim].copy(),
            "input_matrix_": W_in,
            "ngram_buckets_": layout.buckets,
            "vectors_": self._word_vectors(vocabulary.tokens, vocabulary.counts, W_in, layout),
            "n_iter_": history.n_iter,
            "loss_curve_": history.loss_curve,
            "validation_scores_": validation_scores,
            "n_pretrained_": n_pretrained,
            # Private fitted state: how documents map to input rows, and the output
            # layer's kind (prediction must not follow a later set_params).
            "_layout_": layout,
            "_loss_": self.loss,
            "_multilabel_": targets.multilabel,
            "_prior_scores_": self._prior_scores(class_count, targets.n_documents,
                                                 targets.multilabel),
        }

    def _input_layer(self, vocabulary, layout, seeds):
        """Return the initial input matrix, which rows train, and how many were pretrained.

        Rows start uniform in [-1/dim, 1/dim) as in fastText; pretrained words' rows start
        from their vectors (and stay so without ``fine_tune``); the row of zeros that
        buckets first seen at predict time read never trains.
        """
        rows, values, dim = self._pretrained_rows(vocabulary)
        W_in = seeds.generator().random((layout.n_rows, dim), dtype=np.float32)
        W_in *= np.float32(2.0)
        W_in -= np.float32(1.0)
        W_in /= np.float32(dim)
        W_in[rows] = values
        trainable = np.ones(layout.n_rows, dtype=np.uint8)
        if not self.fine_tune:
            trainable[rows] = 0
        W_in[layout.unseen_bucket] = 0.0
        trainable[layout.unseen_bucket] = 0
        return W_in, trainable, len(rows)

    def _train(self, W_in, trainable, inputs, output, targets, weights, seeds,
               current_vectors):
        """Run the epochs; return the training history and the validation scores (or None).

        Each epoch visits the training documents in a new order (``shuffle``), cut into
        blocks of about ``_BLOCK_ROWS`` input rows, which do not depend on the thread
        count.
        """
        dim = W_in.shape[1]
        train, validation = self._split(targets, seeds)
        class_targets = ClassTargets(
            targets.labels,
            targets.indicator if targets.multilabel else np.zeros((1, 1), dtype=np.uint8),
            targets.multilabel, weights)
        work = np.diff(inputs.token_offsets) + np.diff(inputs.ngram_offsets) + 1
        n_threads = resolve_n_jobs(self.n_jobs)
        private = n_threads > 1 and output.weights.size <= _PRIVATE_OUTPUT_FLOATS

        def train_epoch(epoch, n_threads):
            order = seeds.generator().permutation(train) if self.shuffle else train
            done = np.cumsum(work[order])
            cuts = np.searchsorted(done, np.arange(_BLOCK_ROWS, done[-1] if len(done) else 0,
                                                   _BLOCK_ROWS), side="right")
            bounds = np.unique(np.concatenate([[0], cuts, [len(order)]])).astype(np.int64)
            schedule = DocumentSchedule(float(self.alpha), epoch, int(self.epochs),
                                        order.astype(np.int64), bounds, private,
                                        bool(self.fit_intercept), bool(self.compute_loss))
            stats = block_stats(len(bounds) - 1)
            run_blocks(lambda first, end: classifier_epoch(
                W_in, trainable, inputs, output, class_targets, schedule, stats, first, end,
                n_threads), len(bounds) - 1, n_threads)
            return float(stats.loss.sum() / max(len(order), 1))

        class_count = targets.class_count()

        def validation_score():
            hidden = self._hidden(W_in, inputs, validation, n_threads)
            scores = self._scores(hidden, np.ascontiguousarray(output.weights[:, :dim]),
                                  output.weights[:, dim], class_count, self.loss)
            return float(self._accuracy(scores, targets.subset(validation)))

        stopper = (_EarlyStopping(validation_score, self.n_iter_no_change, self.tol)
                   if self.early_stopping else None)
        history = run_epochs(
            self, train_epoch, epochs=self.epochs, n_threads=n_threads, unit="words",
            units_per_epoch=int(work[train].sum()), compute_loss=self.compute_loss,
            current_vectors=current_vectors, extra_hooks=() if stopper is None else (stopper,))
        return history, None if stopper is None else stopper.scores

    @staticmethod
    def _word_vectors(tokens, counts, W_in, layout, copy=False):
        """Return the word vectors: word rows, or with n-grams each word's mean row."""
        n_words = layout.n_words
        if not layout.max_n:
            matrix = W_in[:n_words]
            return Vectors(tokens, matrix.copy() if copy else matrix, counts)
        matrix = mean_rows(W_in, layout.sub_offsets[: n_words + 1], layout.sub_rows)
        ngram_rows = W_in[layout.first_bucket_row :]
        return FastTextVectors(tokens, matrix, ngram_rows.copy() if copy else ngram_rows,
                               layout.buckets, layout.min_n, layout.max_n, layout.bucket,
                               counts)

    # ---------------------------------------------------------------- prediction

    @staticmethod
    def _hidden(W_in, inputs, documents, n_threads):
        out = np.zeros((len(documents), W_in.shape[1]), dtype=np.float32)
        if len(documents):
            with numba_threads(n_threads):
                document_vectors(W_in, inputs, np.asarray(documents, dtype=np.int64), out)
        return out

    @staticmethod
    def _scores(hidden, coef, intercept, class_count, loss):
        """Class scores: logits (softmax, one-vs-all) or log-probabilities (hs)."""
        node_scores = hidden @ coef.T
        node_scores += intercept
        if loss != "hs":
            return node_scores
        codes, points, lengths = class_tree(class_count)
        depth = np.arange(points.shape[1])
        on_path = depth[None, :] < lengths[:, None]
        sign = np.where(codes == 0, 1.0, -1.0) * on_path
        out = np.empty((len(hidden), len(class_count)), dtype=np.float64)
        for start in range(0, len(hidden), _SCORE_SLICE):
            chunk = node_scores[start : start + _SCORE_SLICE].astype(np.float64)
            along = chunk[:, points] * sign[None]  # documents x classes x depth
            out[start : start + _SCORE_SLICE] = (_log_sigmoid(along) * on_path[None]).sum(-1)
        return out

    def _accuracy(self, scores, targets):
        if targets.multilabel:
            return np.mean(np.all((scores > 0) == targets.indicator.astype(bool), axis=1))
        return np.mean(np.argmax(scores, axis=1) == targets.labels)

    def _document_vectors(self, inputs):
        """Return the hidden vector of every document of ``inputs`` (fitted weights)."""
        n_documents = len(inputs.token_offsets) - 1
        return self._hidden(self.input_matrix_, inputs, np.arange(n_documents),
                            resolve_n_jobs(self.n_jobs))

    def _transform_encoded(self, corpus):
        return self._document_vectors(self._layout_.encode(corpus))

    def transform(self, X):
        """Return the document vectors of X: the hidden layer, the mean of its input rows.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.

        Returns
        -------
        X_new : ndarray of float32 of shape (n_documents, vector_size)
            One row per document (for a document with no known word or n-gram, the
            end-of-document row alone).
        """
        return super().transform(X)

    def _class_scores(self, X):
        """Class scores of X; a document with no evidence gets the class priors."""
        corpus = self._encode_documents(X)  # raises NotFittedError before fit
        inputs = self._layout_.encode(corpus)
        scores = self._scores(self._document_vectors(inputs), self.coef_, self.intercept_,
                              self.class_count_, self._loss_)
        # With nothing learned to read, the end-of-document row alone would speak with
        # the confidence it has as a small part of real documents: use the priors.
        scores[self._layout_.evidence(inputs) == 0] = self._prior_scores_
        return scores

    def decision_function(self, X):
        """Return the class scores of X, whose largest is the predicted class.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_documents,) or (n_documents, n_classes)
            Logits (``loss="softmax"`` or ``"ova"``) or log-probabilities (``"hs"``) of
            each class (for a document with no known word or n-gram, the scores of the
            class priors); for two classes and one label per document, the score of
            ``classes_[1]`` minus that of ``classes_[0]``, as scikit-learn's binary
            classifiers give.
        """
        scores = self._class_scores(X)
        if len(self.classes_) == 2 and not self._multilabel():
            return scores[:, 1] - scores[:, 0]
        return scores

    def _multilabel(self):
        return self._multilabel_

    def predict_proba(self, X):
        """Return the probability of each class for each document of X.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.

        Returns
        -------
        proba : ndarray of float64 of shape (n_documents, n_classes)
            Class probabilities in the order of ``classes_``; rows sum to 1, except for a
            multi-label ``y`` where each label has its own probability.
        """
        scores = np.asarray(self._class_scores(X), dtype=np.float64)
        if self._loss_ == "hs":
            return np.exp(scores)
        if self._loss_ == "ova":
            proba = np.exp(_log_sigmoid(scores))
            if self._multilabel():
                return proba
            total = proba.sum(axis=1, keepdims=True)
            return np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]),
                             where=total > 0)
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Return the log-probability of each class for each document of X.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.

        Returns
        -------
        log_proba : ndarray of float64 of shape (n_documents, n_classes)
            The logarithm of ``predict_proba``.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Return the predicted class of each document of X.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_documents,) or (n_documents, n_classes)
            The class with the highest score; for a multi-label ``y``, the indicator
            matrix of the labels whose probability exceeds 0.5.
        """
        scores = self._class_scores(X)
        if self._multilabel():
            return (scores > 0).astype(np.int64)
        return self.classes_[np.argmax(scores, axis=1)]

    def __getstate__(self):
        state = super().__getstate__()
        if "vectors_" in state:
            # The word vectors are rows of input_matrix_ (or their means): rebuilt on
            # load rather than pickled twice.
            state = {**state, "vectors_": None}
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "vectors_" in state and state["vectors_"] is None:
            self.vectors_ = self._word_vectors(self._feature_tokens(), self.counts_,
                                               self.input_matrix_, self._layout_)

    @property
    def _n_features_out(self):
        # Read from the fitted weights, so that a failed refit leaves no feature names.
        return self.input_matrix_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.non_deterministic = resolve_n_jobs(self.n_jobs) > 1
        return tags

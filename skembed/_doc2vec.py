"""Doc2VecTransformer: paragraph vectors, trained in ``fit`` and inferred in ``transform``."""

import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin

from ._base import _BaseTextEstimator
from ._blocks import make_blocks, sentence_documents
from ._compat import N_JOBS_CONSTRAINT, Interval, StrOptions, fit_context
from ._kernels._bundles import (
    ContextWindow,
    DocumentLayer,
    InferenceSchedule,
    block_stats,
    training_corpus,
)
from ._kernels._doc2vec import doc2vec_epoch, infer_documents
from ._kernels._word2vec import MAX_SENTENCE_LENGTH
from ._layers import output_layer, uniform_rows
from ._random import SeedSource
from ._threads import resolve_n_jobs
from ._training import linear_schedule, run_blocks, run_epochs
from ._vectors import HasKeyedVectors, Vectors
from ._vocab import keep_probabilities
from ._warnings import warn_user

_INFERENCE_CHUNK = 64  # documents per work unit of inference


class Doc2VecTransformer(ClassNamePrefixFeaturesOutMixin, _BaseTextEstimator):
    """Learn paragraph vectors (Doc2Vec) in ``fit``; infer them for new documents.

    Each training document gets a vector of its own, trained jointly with the word
    vectors (PV-DM) or alone (PV-DBOW) to predict the document's words, as gensim's
    ``Doc2Vec`` does (Le and Mikolov, 2014). ``fit_transform`` returns the trained
    document vectors; ``transform`` infers a vector for any document by training a new
    row against the frozen word vectors and output layer, reproducibly: each document's
    random draws come from its own tokens and the estimator's seed, so its row does not
    depend on the threads, the order or the batching of the documents.

    Parameters
    ----------
    vector_size : int or None, default=None
        Dimension of the document (and word) vectors. None means the dimension of the
        ``pretrained`` word vectors when they are given, 100 otherwise.
    dm : bool, default=True
        PV-DM (the document vector and the context words predict each word) if True,
        PV-DBOW (the document vector alone predicts each word) if False.
    dm_mean : bool, default=True
        PV-DM averages the document vector and the context word vectors (True) or sums
        them (False, the gradient then shared out over them).
    dbow_words : bool, default=False
        PV-DBOW also trains skip-gram word vectors on the same windows, interleaved (as
        gensim's ``dbow_words=1``): slower, and gives trained ``vectors_``.
    batch_windows : bool, default=False
        With ``dbow_words`` and negative sampling only (ignored otherwise): train the
        skip-gram word pairs of each window as one minibatch step, the context words
        sharing one noise draw, as ``Word2VecTransformer(batch_windows=True)`` does
        (HogBatch). The document vectors' own updates stay pair by pair. It pays on
        large vocabularies; on the shared labelled sets it was no faster beyond the
        noise (see the Doc2Vec page).
    objective : {"negative_sampling", "hierarchical_softmax"}, default="negative_sampling"
        Output layer, shared by documents and words.
    window : int, default=5
        Largest distance between a word and its context words.
    shrink_windows : bool, default=True
        Draw each position's window uniformly from 1 to ``window``.
    negative : int, default=5
        Noise words per prediction with negative sampling.
    ns_exponent : float, default=0.75
        Noise distribution: word counts raised to this power.
    sample : float, default=1e-3
        Sub-sampling threshold of frequent words (0 disables it).
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=0.0001
        Final learning rate; the rate decays linearly over all epochs' tokens.
    epochs : int, default=10
        Passes over the corpus (gensim's Doc2Vec default).
    infer_epochs : int or None, default=None
        Passes over each document when inferring its vector; None means ``epochs``.
    infer_alpha : float or None, default=None
        Initial learning rate of inference (decaying to ``min_alpha``); None means
        ``alpha``.
    min_count : int, default=5
        Ignore words seen fewer times than this.
    max_vocab_size : int or None, default=None
        Bound on the distinct words held while counting.
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are.
    encoding : str, default="utf-8"
        Encoding of files read with ``input="filename"``.
    tokenizer : str, path, tokenizers.Tokenizer or callable, default="word"
        As for the other estimators.
    lowercase : bool, default=True
        Lowercase text before tokenizing.
    subword_vocab_size : int, default=8000
        Vocabulary size of a subword tokenizer trained in ``fit``.
    pretrained : Vectors, path or gensim KeyedVectors, default=None
        Word vectors that initialise the rows of the words they know.
    fine_tune : bool, default=False
        Train the word vectors (all of them) when ``pretrained`` is given; if False they
        stay as given and only the document vectors and the output layer learn.
    compute_loss : bool, default=True
        Record the mean loss of each epoch in ``loss_curve_``.
    n_jobs : int or None, default=None
        Threads for training and inference. None means 1, -1 all cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors, the training draws and the inference seed.
    verbose : int, default=0
        Print progress when > 0.
    callbacks : list of objects or None, default=None
        Training callbacks (see ``skembed.callbacks``).

    Attributes
    ----------
    document_vectors_ : ndarray of float32 of shape (n_documents, vector_size)
        The trained vector of each training document (zeros for a document with no known
        word).
    vectors_ : Vectors or None
        The word vectors, when they are trained or given (PV-DM, ``dbow_words``,
        ``pretrained``); None in plain PV-DBOW, whose word vectors stay random.
    inference_seed_ : int
        Seed of every inferred document's random draws (mixed with its tokens).
    tokenizer_ : object
        The fitted tokenizer.
    vocabulary_ : dict of str to int
        Word to row of the word vectors.
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Training count of each word.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean loss of each epoch (empty when ``compute_loss=False``).
    n_pretrained_ : int
        Vocabulary words whose vectors came from ``pretrained``.

    See Also
    --------
    Word2VecTransformer : Word vectors pooled per document.

    References
    ----------
    Q. Le and T. Mikolov, "Distributed Representations of Sentences and Documents",
    ICML 2014.

    Examples
    --------
    >>> from skembed import Doc2VecTransformer
    >>> docs = ["the cat sat on the mat", "a dog ran in the park"] * 30
    >>> d2v = Doc2VecTransformer(vector_size=8, min_count=1, epochs=5, random_state=0)
    >>> d2v.fit_transform(docs).shape
    (60, 8)
    >>> d2v.transform(["the cat ran"]).shape
    (1, 8)
    """

    _parameter_constraints = {
        **_BaseTextEstimator._parameter_constraints,
        "vector_size": [Interval(Integral, 1, None, closed="left"), None],
        "dm": ["boolean"],
        "dm_mean": ["boolean"],
        "dbow_words": ["boolean"],
        "batch_windows": ["boolean"],
        "objective": [StrOptions({"negative_sampling", "hierarchical_softmax"})],
        "window": [Interval(Integral, 1, None, closed="left")],
        "shrink_windows": ["boolean"],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "ns_exponent": [Interval(Real, None, None, closed="neither")],
        "sample": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "min_alpha": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "infer_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "infer_alpha": [Interval(Real, 0, None, closed="neither"), None],
        "pretrained": [str, os.PathLike, Vectors, HasKeyedVectors(), None],
        "fine_tune": ["boolean"],
        "compute_loss": ["boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
    }

    def __init__(self, *, vector_size=None, dm=True, dm_mean=True, dbow_words=False,
                 batch_windows=False, objective="negative_sampling", window=5,
                 shrink_windows=True, negative=5, ns_exponent=0.75, sample=1e-3,
                 alpha=0.025, min_alpha=0.0001, epochs=10,
                 infer_epochs=None, infer_alpha=None, min_count=5, max_vocab_size=None,
                 input="content", encoding="utf-8", tokenizer="word", lowercase=True,
                 subword_vocab_size=8000, pretrained=None, fine_tune=False,
                 compute_loss=True, n_jobs=None, random_state=None, verbose=0,
                 callbacks=None):
        self.vector_size = vector_size
        self.dm = dm
        self.dm_mean = dm_mean
        self.dbow_words = dbow_words
        self.batch_windows = batch_windows
        self.objective = objective
        self.window = window
        self.shrink_windows = shrink_windows
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.infer_epochs = infer_epochs
        self.infer_alpha = infer_alpha
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.input = input
        self.encoding = encoding
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.subword_vocab_size = subword_vocab_size
        self.pretrained = pretrained
        self.fine_tune = fine_tune
        self.compute_loss = compute_loss
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # ------------------------------------------------------------------ fitting

    @fit_context
    def fit_transform(self, X, y=None):
        """Fit to X and return the trained document vectors, reading X only once.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.
        y : None
            Ignored.

        Returns
        -------
        X_new : ndarray of float32 of shape (n_documents, vector_size)
            The trained vector of each document (not inferred again).
        """
        self._fit_and_encode(X)
        return self.document_vectors_.copy()

    def _word_layer(self, vocabulary, seeds):
        """Return the initial word vectors, whether they learn, and how many are given."""
        if self.pretrained is not None and not (self.dm or self.dbow_words):
            warn_user(
                "PV-DBOW without dbow_words never reads word vectors: the pretrained "
                "vectors change nothing; set dm=True or dbow_words=True to use them",
                UserWarning,
            )
        rows, values = self._pretrained_rows(vocabulary)
        dim = values.shape[1]
        W_in = uniform_rows(seeds.generator(), len(vocabulary), dim)
        W_in[rows] = values
        return W_in, self.pretrained is None or self.fine_tune, len(rows)

    def _fit_encoded(self, vocabulary, corpus, tokenizer_):
        known = corpus.known()
        seeds = SeedSource(self.random_state)
        W_in, learn_words, n_pretrained = self._word_layer(vocabulary, seeds)
        dim = W_in.shape[1]
        D = uniform_rows(seeds.generator(), known.n_documents, dim)
        inference_seed = int(seeds.generator().integers(1, 2**63 - 1))
        output = output_layer(vocabulary.counts, dim, objective=self.objective,
                              negative=self.negative, ns_exponent=self.ns_exponent)
        blocks = make_blocks(known.offsets, MAX_SENTENCE_LENGTH)
        training = training_corpus(known.ids, blocks,
                                   keep_probabilities(vocabulary.counts, self.sample))
        documents = DocumentLayer(D, sentence_documents(blocks, known.offsets),
                                  bool(self.dbow_words), bool(learn_words))
        context = ContextWindow(int(self.window), bool(self.shrink_windows), bool(self.dm_mean),
                                bool(self.batch_windows))
        stats = block_stats(blocks.n_blocks)

        def train_epoch(epoch, n_threads):
            schedule = linear_schedule(self.alpha, self.min_alpha, epoch, self.epochs,
                                       seeds.block_seeds(blocks.n_blocks), self.compute_loss)
            run_blocks(lambda first, end: doc2vec_epoch(
                W_in, documents, training, output, context, schedule, stats, bool(self.dm),
                first, end, n_threads), blocks.n_blocks, n_threads)
            examples = int(stats.examples.sum())
            return float(stats.loss.sum() / examples) if examples else 0.0

        history = run_epochs(
            self, train_epoch, epochs=self.epochs, n_threads=resolve_n_jobs(self.n_jobs),
            unit="words", units_per_epoch=blocks.n_tokens, compute_loss=self.compute_loss,
            current_vectors=lambda: Vectors(vocabulary.tokens, W_in.copy(), vocabulary.counts))
        D[known.lengths == 0] = 0.0  # nothing trained them: as transform gives them
        words_trained = self.dm or self.dbow_words or self.pretrained is not None
        return {
            "document_vectors_": D,
            "vectors_": (Vectors(vocabulary.tokens, W_in, vocabulary.counts)
                         if words_trained else None),
            "inference_seed_": inference_seed,
            "n_iter_": history.n_iter,
            "loss_curve_": history.loss_curve,
            "n_pretrained_": n_pretrained,
            # Private fitted state: the output layer, which inference reads.
            "_output_": output,
        }

    # ---------------------------------------------------------------- transform

    def _transform_encoded(self, corpus):
        known = corpus.known()
        dim = self.document_vectors_.shape[1]
        out = np.zeros((known.n_documents, dim), dtype=np.float32)
        # PV-DBOW never reads the word vectors: a one-row stand-in keeps the types.
        W_in = (self.vectors_.vectors if self.vectors_ is not None
                else np.zeros((1, dim), dtype=np.float32))
        epochs = self.epochs if self.infer_epochs is None else self.infer_epochs
        alpha = self.alpha if self.infer_alpha is None else self.infer_alpha
        inference = InferenceSchedule(float(alpha), float(self.min_alpha), int(epochs),
                                      np.uint64(self.inference_seed_), bool(self.dm))
        context = ContextWindow(int(self.window), bool(self.shrink_windows), bool(self.dm_mean))
        keep = keep_probabilities(self.counts_, self.sample)
        n_chunks = -(-known.n_documents // _INFERENCE_CHUNK)
        run_blocks(lambda first, end: infer_documents(
            W_in, self._output_, context, keep, known.ids, known.offsets, inference, out,
            first * _INFERENCE_CHUNK, min(end * _INFERENCE_CHUNK, known.n_documents)),
            n_chunks, resolve_n_jobs(self.n_jobs))
        return out

    @property
    def _n_features_out(self):
        return self.document_vectors_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = resolve_n_jobs(getattr(self, "n_jobs", None)) > 1
        return tags

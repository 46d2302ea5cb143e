"""GloVeTransformer: global co-occurrence counting and weighted least squares inside ``fit``."""

import time
from numbers import Integral, Real

import numpy as np

from ._base import _BaseEmbedding
from ._compat import N_JOBS_CONSTRAINT, Interval, StrOptions
from ._cooccur import count_cooccurrences
from ._kernels._bundles import GloveEntries
from ._kernels._glove import count_block_sizes, glove_epoch, place_entries
from ._random import SeedSource
from ._threads import resolve_n_jobs
from ._training import run_blocks, run_epochs
from ._vectors import Vectors
from ._warnings import warn_user

# Entries per training block: small enough to shuffle in cache, large enough to
# amortise scheduling. The count of blocks depends only on the matrix, not on threads.
BLOCK_ENTRIES = 65_536


class GloVeTransformer(_BaseEmbedding):
    """Learn GloVe token vectors in ``fit`` and pool them into one row per document.

    ``fit`` counts a global token-token co-occurrence matrix over the training documents,
    then fits vectors whose dot products (plus two biases) match the logarithms of the
    counts, in the weighted least-squares sense of Pennington et al.: it minimises
    ``sum f(x_ij) (w_i . c_j + b_i + b~_j - log x_ij) ** 2`` over the non-zero entries,
    with ``f(x) = min(1, (x / x_max) ** alpha)``, by AdaGrad as the Stanford GloVe tool
    does. ``transform`` pools the vectors of each document's tokens into one dense row.

    Parameters
    ----------
    vector_size : int or None, default=None
        Dimension of the token vectors (``output="concat"`` gives twice as many columns).
        None means the dimension of the ``pretrained`` vectors when they are given, 100
        otherwise. If set together with ``pretrained``, it must equal their dimension.
    window : int, default=10
        Largest distance between two tokens counted as co-occurring.
    symmetric : bool, default=True
        Count context on both sides of a token. If False, entry ``(i, j)`` counts only
        ``j`` after ``i`` (the Stanford tool's ``-symmetric 0``).
    distance_weighting : bool, default=True
        A pair ``d`` tokens apart adds ``1 / d`` to the count instead of 1.
    x_max : float, default=100.0
        Count at which the weighting function reaches 1.
    alpha : float, default=0.75
        Exponent of the weighting function.
    learning_rate : float, default=0.05
        AdaGrad's initial learning rate.
    epochs : int, default=15
        Passes over the non-zero entries.
    gradient_clip : float, default=100.0
        Each scaled gradient coordinate is clipped to ``[-gradient_clip,
        gradient_clip]``, so that no learning rate can make a step infinite.
    output : {"sum", "word", "context", "concat"}, default="sum"
        Which vectors ``vectors_`` holds: word plus context vectors (the Stanford tool's
        ``-model 2``, best on analogies), the word vectors, the context vectors, or both
        side by side (``2 * vector_size`` columns).
    keep_cooccurrence : bool, default=False
        Keep the co-occurrence matrix as ``cooccurrence_``.
    min_count : int, default=5
        Ignore tokens seen fewer times than this.
    max_vocab_size : int or None, default=None
        Bound on the distinct tokens held while counting (the rarest are forgotten when
        exceeded, as word2vec does).
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are: raw text, lists of str tokens, or paths of text files
        with one document per line, plain or compressed with gzip, bzip2 or xz
        (recognised by their first bytes), streamed.
    encoding : str, default="utf-8"
        Encoding of files read with ``input="filename"``.
    tokenizer : str, path, tokenizers.Tokenizer or callable, default="word"
        ``"word"``, a subword model trained in ``fit`` (``"bpe"``, ``"wordpiece"``,
        ``"unigram"``), a given ``tokenizers.Tokenizer`` or ``tokenizer.json`` path, or a
        callable ``str -> list of str``. With a subword tokenizer, co-occurrences are
        counted between subword tokens, and ``vectors_`` composes a word's vector as the
        mean of its subword tokens' vectors.
    lowercase : bool, default=True
        Lowercase text before tokenizing.
    subword_vocab_size : int, default=8000
        Vocabulary size of a subword tokenizer trained in ``fit``.
    pooling : {"mean", "sum", "max", "tfidf", "sif"}, default="mean"
        How a document's token vectors become one row: their mean, sum or coordinate-wise
        maximum; a mean weighted by IDF; or smooth inverse frequency (weights ``a / (a +
        p(token))``, then the first principal component of the training documents is
        removed). IDF and SIF statistics are fitted on the training documents.
    norm : {"l2"} or None, default=None
        Scale each output row to unit length.
    sif_smoothing : float, default=1e-3
        The ``a`` of SIF weights.
    pretrained : str, path-like, Vectors, KeyedVectors or None, default=None
        Pretrained vectors: the path of a file that
        [`load_vectors`][skembed.io.load_vectors] reads (word2vec text or binary, GloVe,
        fastText ``.vec``, skembed ``.npz``), a [`Vectors`][skembed.Vectors], or gensim
        ``KeyedVectors`` (any object with ``index_to_key`` and ``vectors`` attributes,
        such as a trained gensim model's ``wv``; skembed does not import gensim). They
        set the dimension when ``vector_size`` is None. A path is read in ``fit``.
        ``clone`` (and so a grid search) shares a ``Vectors`` between the copies but
        deep-copies any other object: to search a grid over gensim vectors, convert them
        once with ``skembed.Vectors(kv.index_to_key, kv.vectors)``.
    fine_tune : bool, default=False
        With ``pretrained``: if False, use the vectors as they are (no training: ``fit``
        only counts tokens and fits the pooling statistics, and the vocabulary is the
        pretrained one); if True, build the vocabulary from X and train on it, starting
        the tokens that the pretrained vectors know from them (half in the word, half
        in the context vectors, so that their sum starts at the pretrained vector).
    n_jobs : int or None, default=None
        Threads for counting and training: None means 1, -1 all cores, -2 all but one.
        Counting gives the same matrix for any ``n_jobs``; training with more than one
        thread varies slightly from run to run (see Notes).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors and the order of the entries in each epoch.
    verbose : int, default=0
        Print progress (counting time, loss per epoch) when > 0.
    callbacks : list of objects or None, default=None
        Objects with any of the methods ``on_train_begin(estimator)``,
        ``on_epoch_begin(estimator, epoch)``, ``on_epoch_end(estimator, epoch, logs)`` and
        ``on_train_end(estimator, logs)`` (the protocol is described in
        [`skembed.callbacks`][skembed.callbacks]). ``logs`` holds ``loss``,
        ``entries_per_second``, ``seconds`` and ``vectors`` (the current vectors chosen
        by ``output``, a [`Vectors`][skembed.Vectors]). An ``on_epoch_end`` that returns
        True stops training early.

    Attributes
    ----------
    vectors_ : Vectors
        The token vectors chosen by ``output``, in vocabulary order; with frozen
        pretrained vectors, those vectors themselves.
    vocabulary_ : dict of str to int
        Token to row of ``vectors_``, most frequent first (ties alphabetical); with
        frozen pretrained vectors, their own vocabulary and order.
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Occurrences of each vocabulary token in the training documents.
    tokenizer_ : object
        The fitted tokenizer: skembed's word tokenizer, a ``tokenizers.Tokenizer``
        (trained in ``fit`` or given), or the given callable.
    cooccurrence_ : scipy.sparse.csr_matrix of float32
        The weighted co-occurrence counts, rows and columns in vocabulary order; only
        with ``keep_cooccurrence=True`` (and not with frozen pretrained vectors).
    n_cooccurrences_ : int
        Non-zero entries of the co-occurrence matrix (the training examples of an
        epoch); not set with frozen pretrained vectors (nothing is counted).
    loss_curve_ : list of float
        Mean weighted loss ``f(x) (w . c + b + b~ - log x) ** 2 / 2`` per entry in each
        epoch, as the Stanford tool reports it; not set with frozen pretrained vectors
        (nothing is trained).
    n_iter_ : int
        Epochs run (fewer than ``epochs`` if a callback stopped training; 0 with frozen
        pretrained vectors).
    n_pretrained_ : int
        Vocabulary tokens whose vectors come from ``pretrained``: those the pretrained
        vectors know when fine-tuning, all of them when frozen, 0 without ``pretrained``.
    n_training_documents_ : int
        Documents in the training data (the IDF of a token never seen in them is
        computed from it).
    idf_ : ndarray of float32 of shape (n_vocabulary,)
        Smoothed inverse document frequency of each token on the training documents,
        ``log((1 + n) / (1 + df)) + 1`` as in scikit-learn (used by ``pooling="tfidf"``).
    sif_weights_ : ndarray of float32 of shape (n_vocabulary,)
        SIF weight ``a / (a + p(token))`` of each token, ``a`` being ``sif_smoothing``
        (used by ``pooling="sif"``).
    sif_component_ : ndarray of float32 of shape (n_features,)
        Unit-length common component of the SIF-weighted training documents, removed
        from every row by ``pooling="sif"`` (zeros if the documents have no known token);
        ``n_features`` is the width of ``vectors_``.

    See Also
    --------
    Word2VecTransformer : Predictive (skip-gram / CBOW) vectors.
    FastTextTransformer : Predictive vectors with character n-grams for unseen words.
    Vectors : Similarity and analogy queries on the fitted vectors.

    Notes
    -----
    Counting follows the Stanford ``cooccur`` tool: tokens outside the vocabulary are
    removed first, context never crosses a document, and each row is accumulated in
    corpus order in float64 (stored as float32). The matrix is built a range of rows at a
    time, each range in at most ``PAIRS_PER_RANGE`` (4 million) 8-byte working items
    (or one vocabulary-sized row), so counting needs that much per thread beyond the
    result: 8 bytes per non-zero entry. Training holds 16 bytes per entry (row, column,
    ``log x`` and weight) and ``4 * (2 * vector_size + 2)`` bytes per token for each of
    the word and context tables. The result does not depend on ``n_jobs``.

    Training is AdaGrad as in the Stanford ``glove`` tool, in float32: the entries are
    scattered once into random blocks of about 65,536; each epoch visits the blocks in a
    fresh random order and shuffles each block before training on it. Workers update the
    shared tables without locks (Hogwild), so with ``n_jobs > 1`` results vary slightly
    from run to run; with ``n_jobs=1`` and a fixed ``random_state``, two fits are
    bit-for-bit identical. Each epoch costs O(non-zero entries x vector_size).

    GloVe needs more text than word2vec to reach the same quality: on a corpus of a few
    million tokens, skip-gram vectors are clearly better.

    References
    ----------
    J. Pennington, R. Socher and C. D. Manning, "GloVe: Global Vectors for Word
    Representation", EMNLP 2014.

    Examples
    --------
    >>> from skembed import GloVeTransformer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> glove = GloVeTransformer(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> glove.transform(["a cat on a log"]).shape
    (1, 8)
    >>> glove.vectors_["cat"].shape
    (8,)
    """

    _parameter_constraints = {
        **_BaseEmbedding._parameter_constraints,
        "vector_size": [Interval(Integral, 1, None, closed="left"), None],
        "window": [Interval(Integral, 1, None, closed="left")],
        "symmetric": ["boolean"],
        "distance_weighting": ["boolean"],
        "x_max": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "gradient_clip": [Interval(Real, 0, None, closed="neither")],
        "output": [StrOptions({"sum", "word", "context", "concat"})],
        "keep_cooccurrence": ["boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
    }

    def __init__(
        self,
        *,
        vector_size=None,
        window=10,
        symmetric=True,
        distance_weighting=True,
        x_max=100.0,
        alpha=0.75,
        learning_rate=0.05,
        epochs=15,
        gradient_clip=100.0,
        output="sum",
        keep_cooccurrence=False,
        min_count=5,
        max_vocab_size=None,
        input="content",
        encoding="utf-8",
        tokenizer="word",
        lowercase=True,
        subword_vocab_size=8000,
        pooling="mean",
        norm=None,
        sif_smoothing=1e-3,
        pretrained=None,
        fine_tune=False,
        n_jobs=None,
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.vector_size = vector_size
        self.window = window
        self.symmetric = symmetric
        self.distance_weighting = distance_weighting
        self.x_max = x_max
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.gradient_clip = gradient_clip
        self.output = output
        self.keep_cooccurrence = keep_cooccurrence
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.input = input
        self.encoding = encoding
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.subword_vocab_size = subword_vocab_size
        self.pooling = pooling
        self.norm = norm
        self.sif_smoothing = sif_smoothing
        self.pretrained = pretrained
        self.fine_tune = fine_tune
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _initial_tables(self, n_tokens, dim, seeds):
        """Word and context tables: vector and bias uniform in [-0.5, 0.5) / dim, sums 1."""
        tables = []
        for _ in range(2):
            table = np.ones((n_tokens, 2 * (dim + 1)), dtype=np.float32)
            values = seeds.generator().random((n_tokens, dim + 1), dtype=np.float32)
            table[:, : dim + 1] = (values - np.float32(0.5)) / np.float32(dim)
            tables.append(table)
        return tables

    def _training_entries(self, cooccurrences, seeds):
        """Scatter the non-zero entries into random blocks of a ``GloveEntries``."""
        nnz = cooccurrences.nnz
        n_blocks = max(1, -(-nnz // BLOCK_ENTRIES))
        start_state = seeds.block_seeds(1)
        sizes = np.zeros(n_blocks, dtype=np.int64)
        state = start_state.copy()
        for _, indptr, _, _ in cooccurrences.pieces:
            count_block_sizes(indptr[-1], n_blocks, state, sizes)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        rows = np.empty(nnz, dtype=np.int32)
        cols = np.empty(nnz, dtype=np.int32)
        log_x = np.empty(nnz, dtype=np.float32)
        weight = np.empty(nnz, dtype=np.float32)
        fill = bounds[:-1].copy()
        state = start_state.copy()  # the same draws again, now to place each entry
        while cooccurrences.pieces:
            row_start, indptr, indices, data = cooccurrences.pieces.pop(0)
            place_entries(row_start, indptr, indices, data, n_blocks, state, fill,
                          float(self.x_max), float(self.alpha), rows, cols, log_x, weight)
        return GloveEntries(rows, cols, log_x, weight, bounds)

    def _train(self, vocabulary, corpus):
        n_threads = resolve_n_jobs(self.n_jobs)
        # Pretrained vectors are loaded once, here; they give the dimension when
        # vector_size is None.
        rows, values = self._pretrained_rows(vocabulary)
        dim = values.shape[1]
        seeds = SeedSource(self.random_state)
        word, context = self._initial_tables(len(vocabulary), dim, seeds)
        # Fine-tuning: word and context halves so that their sum starts at the pretrained
        # vectors.
        word[rows, :dim] = values / np.float32(2.0)
        context[rows, :dim] = values / np.float32(2.0)

        start = time.perf_counter()
        cooccurrences = count_cooccurrences(
            corpus.ids, corpus.offsets, len(vocabulary), window=self.window,
            symmetric=self.symmetric, distance_weighting=self.distance_weighting,
            n_threads=n_threads)
        nnz = cooccurrences.nnz
        fitted = {"n_cooccurrences_": nnz, "n_pretrained_": len(rows)}
        if self.keep_cooccurrence:
            fitted["cooccurrence_"] = cooccurrences.to_csr()
        self._report(f"counted {nnz:,} non-zero co-occurrences of {len(vocabulary):,} "
                     f"tokens in {time.perf_counter() - start:.1f} s")
        if nnz == 0:
            warn_user(
                f"{type(self).__name__} found no co-occurring pair of known tokens within "
                f"window={self.window}: every document has at most one known token; the "
                "vectors are still random",
                RuntimeWarning,
            )
        entries = self._training_entries(cooccurrences, seeds)
        del cooccurrences
        n_blocks = len(entries.block_bounds) - 1
        block_loss = np.zeros(n_blocks)

        def train_epoch(epoch, n_threads):
            order = seeds.generator().permutation(n_blocks).astype(np.int64)
            block_seeds = seeds.block_seeds(n_blocks)

            rate, clip = float(self.learning_rate), float(self.gradient_clip)

            def kernel(first, end):
                glove_epoch(word, context, entries, order, block_seeds, rate, clip, block_loss,
                            first, end, n_threads)

            run_blocks(kernel, n_blocks, n_threads)
            return float(block_loss.sum() / nnz) if nnz else 0.0

        history = run_epochs(
            self, train_epoch, epochs=self.epochs, n_threads=n_threads, unit="entries",
            units_per_epoch=nnz,
            current_vectors=lambda: Vectors(vocabulary.tokens,
                                            self._output_vectors(word, context, dim),
                                            vocabulary.counts))
        fitted.update({"loss_curve_": history.loss_curve, "n_iter_": history.n_iter})
        return self._output_vectors(word, context, dim), fitted

    def _output_vectors(self, word, context, dim):
        if self.output == "word":
            return np.ascontiguousarray(word[:, :dim])
        if self.output == "context":
            return np.ascontiguousarray(context[:, :dim])
        if self.output == "concat":
            return np.hstack([word[:, :dim], context[:, :dim]])
        return word[:, :dim] + context[:, :dim]

"""Word2VecTransformer: skip-gram and CBOW word2vec trained inside ``fit``."""

from numbers import Integral, Real

import numpy as np

from ._base import _BaseEmbedding
from ._blocks import make_blocks
from ._compat import N_JOBS_CONSTRAINT, Interval, StrOptions
from ._kernels._bundles import ContextWindow, block_stats, training_corpus
from ._kernels._word2vec import MAX_SENTENCE_LENGTH, cbow_epoch, skipgram_epoch
from ._layers import output_layer, uniform_rows
from ._random import SeedSource
from ._threads import resolve_n_jobs
from ._training import linear_schedule, run_blocks, run_epochs
from ._vectors import Vectors
from ._vocab import keep_probabilities
from ._warnings import warn_user


class Word2VecTransformer(_BaseEmbedding):
    """Learn word2vec token vectors in ``fit`` and pool them into one row per document.

    Skip-gram or CBOW, each trained with negative sampling or hierarchical softmax, by
    compiled numba kernels that run ``n_jobs`` threads over the corpus. The fitted token
    vectors answer similarity and analogy queries through ``vectors_``; ``transform``
    pools the vectors of each document's tokens into one dense row.

    Parameters
    ----------
    vector_size : int or None, default=None
        Dimension of the token vectors. None means the dimension of the ``pretrained``
        vectors when they are given, 100 otherwise. If set together with ``pretrained``,
        it must equal their dimension.
    architecture : {"skipgram", "cbow"}, default="skipgram"
        Skip-gram predicts the center token from each context token in turn (as the
        word2vec tool and gensim do); CBOW predicts it from the mean (or sum, see
        ``cbow_agg``) of the context vectors.
    objective : {"negative_sampling", "hierarchical_softmax"}, default="negative_sampling"
        Output layer: logistic regression against ``negative`` noise tokens, or binary
        decisions along the token's path in a Huffman tree.
    window : int, default=5
        Largest distance between the center and a context token.
    shrink_windows : bool, default=True
        Draw each center's window uniformly from 1 to ``window``, as word2vec does (which
        weights near context more); if False, always use ``window``.
    negative : int, default=5
        Noise tokens per prediction with negative sampling.
    batch_windows : bool, default=False
        Skip-gram with negative sampling only (ignored otherwise): train the pairs of each
        window as one minibatch step instead of one pair after the other. The context
        tokens of one center share one draw of ``negative`` noise tokens (each still meets
        ``negative`` of them), every score comes from the rows as they are, and each row
        moves once (the HogBatch scheme of Ji et al., 2016). Each output row is written
        once a window rather than once a pair; on the shared corpus it now fits in about
        the time of the default (which draws each pair's noise ahead), with WordSim-353
        and SimLex-999 a little higher and analogy accuracy within a point (see the
        performance page).
    ns_exponent : float, default=0.75
        Noise distribution: token counts raised to this power (1 = by frequency, 0 =
        uniform).
    cbow_agg : {"mean", "sum"}, default="mean"
        How CBOW combines the context vectors: their mean (as the word2vec tool does;
        gensim's ``cbow_mean=1``) or their sum (gensim's ``cbow_mean=0``). Ignored by
        skip-gram.
    sample : float, default=1e-3
        Sub-sampling threshold: tokens more frequent than this share of the corpus are
        randomly skipped, with word2vec's keep probability ``(sqrt(f/sample) + 1) *
        sample / f``. 0 disables it.
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=0.0001
        Final learning rate; the rate decays linearly over all epochs' tokens.
    epochs : int, default=5
        Passes over the corpus.
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
        callable ``str -> list of str``. With a subword tokenizer, ``vectors_`` composes a
        word's vector as the mean of its subword tokens' vectors.
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
        the tokens that the pretrained vectors know from their vectors.
    compute_loss : bool, default=True
        Record the mean training loss of each epoch in ``loss_curve_`` (and in the
        callbacks' ``logs``).
    n_jobs : int or None, default=None
        Training threads: None means 1, -1 all cores, -2 all but one. With more than one
        thread, results vary slightly from run to run (see Notes).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, sub-sampling, window sizes and noise tokens.
    verbose : int, default=0
        Print progress (words per second, loss) once per epoch when > 0.
    callbacks : list of objects or None, default=None
        Objects with any of the methods ``on_train_begin(estimator)``,
        ``on_epoch_begin(estimator, epoch)``, ``on_epoch_end(estimator, epoch, logs)`` and
        ``on_train_end(estimator, logs)`` (the protocol is described in
        [`skembed.callbacks`][skembed.callbacks]). ``logs`` holds ``loss``,
        ``words_per_second``, ``seconds`` and ``vectors`` (the current vectors, a
        [`Vectors`][skembed.Vectors]). An ``on_epoch_end`` that returns True stops
        training early.

    Attributes
    ----------
    vectors_ : Vectors
        The token vectors (the input weights), in vocabulary order; with frozen
        pretrained vectors, those vectors themselves.
    vocabulary_ : dict of str to int
        Token to row of ``vectors_``, most frequent first (ties alphabetical); with
        frozen pretrained vectors, their own vocabulary and order.
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Occurrences of each vocabulary token in the training documents.
    tokenizer_ : object
        The fitted tokenizer: skembed's word tokenizer, a ``tokenizers.Tokenizer``
        (trained in ``fit`` or given), or the given callable.
    loss_curve_ : list of float
        Mean loss per training example in each epoch: for negative sampling
        ``-log s(u.h) - sum log s(-u_k.h)``, for hierarchical softmax the sum of the
        binary losses along the path. Empty when ``compute_loss=False``; not set with
        frozen pretrained vectors (nothing is trained).
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
    sif_component_ : ndarray of float32 of shape (vector_size,)
        Unit-length common component of the SIF-weighted training documents, removed
        from every row by ``pooling="sif"`` (zeros if the documents have no known token).

    See Also
    --------
    FastTextTransformer : The same model with character n-grams for unseen words.
    GloVeTransformer : Vectors fitted to global co-occurrence counts.
    OneHotWordEncoder : Sparse one-hot rows over the same vocabulary.
    Vectors : Similarity and analogy queries on the fitted vectors.

    Notes
    -----
    Training follows the word2vec C tool and gensim: the corpus is read once, sub-sampled
    per epoch, and cut into sentences of at most 10,000 tokens (longer documents are split,
    not truncated) and blocks of about 10,000 tokens. Each thread takes blocks in turn and
    updates the shared weights without locks (Hogwild), so with ``n_jobs > 1`` results vary
    slightly from run to run. With ``n_jobs=1`` and a fixed ``random_state``, two fits are
    bit-for-bit identical. Cost per epoch is O(tokens x window x (negative + 1) x
    vector_size) for skip-gram with negative sampling (log2 of the vocabulary size in place
    of ``negative + 1`` for hierarchical softmax); CBOW is about ``window`` times cheaper.

    The kernels are compiled on first use and cached on disk (set ``NUMBA_CACHE_DIR`` for
    a read-only installation).

    To train once on a large unlabelled corpus and reuse the model in a pipeline, fit it
    first and wrap it in ``sklearn.frozen.FrozenEstimator``.

    References
    ----------
    T. Mikolov, K. Chen, G. Corrado and J. Dean, "Efficient Estimation of Word
    Representations in Vector Space", 2013. T. Mikolov, I. Sutskever, K. Chen, G. Corrado
    and J. Dean, "Distributed Representations of Words and Phrases and their
    Compositionality", NeurIPS 2013. S. Arora, Y. Liang and T. Ma, "A Simple but
    Tough-to-Beat Baseline for Sentence Embeddings", ICLR 2017.

    Examples
    --------
    >>> from skembed import Word2VecTransformer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> w2v = Word2VecTransformer(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> w2v.transform(["a cat on a log"]).shape
    (1, 8)
    >>> w2v.vectors_["cat"].shape
    (8,)
    """

    _parameter_constraints = {
        **_BaseEmbedding._parameter_constraints,
        "vector_size": [Interval(Integral, 1, None, closed="left"), None],
        "architecture": [StrOptions({"skipgram", "cbow"})],
        "objective": [StrOptions({"negative_sampling", "hierarchical_softmax"})],
        "window": [Interval(Integral, 1, None, closed="left")],
        "shrink_windows": ["boolean"],
        "batch_windows": ["boolean"],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "ns_exponent": [Interval(Real, None, None, closed="neither")],
        "cbow_agg": [StrOptions({"mean", "sum"})],
        "sample": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "min_alpha": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
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
        architecture="skipgram",
        objective="negative_sampling",
        window=5,
        shrink_windows=True,
        negative=5,
        batch_windows=False,
        ns_exponent=0.75,
        cbow_agg="mean",
        sample=1e-3,
        alpha=0.025,
        min_alpha=0.0001,
        epochs=5,
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
        compute_loss=True,
        n_jobs=None,
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.vector_size = vector_size
        self.architecture = architecture
        self.objective = objective
        self.window = window
        self.shrink_windows = shrink_windows
        self.negative = negative
        self.batch_windows = batch_windows
        self.ns_exponent = ns_exponent
        self.cbow_agg = cbow_agg
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
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
        self.compute_loss = compute_loss
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _output_layer(self, counts, dim):
        """Return the output layer and the tables the chosen objective samples from."""
        return output_layer(counts, dim, objective=self.objective, negative=self.negative,
                            ns_exponent=self.ns_exponent)

    def _initial_input_weights(self, n_rows, dim, seeds):
        """Input weights uniform in [-1/dim, 1/dim), as gensim 4 initialises them."""
        return uniform_rows(seeds.generator(), n_rows, dim)

    def _prepare_inputs(self, vocabulary, dim, seeds):
        """Input weights and what else describes the input layer (nothing for word2vec)."""
        return self._initial_input_weights(len(vocabulary), dim, seeds), None

    def _word_vectors(self, vocabulary, W_in, inputs):
        """Return the token vectors in vocabulary order, given the input weights."""
        return W_in

    def _epoch_kernel(self, W_in, inputs, corpus, output, context, schedule, stats,
                      n_threads):
        """Return ``kernel(first, end)``, training blocks ``first`` to ``end - 1``."""
        epoch = skipgram_epoch if self.architecture == "skipgram" else cbow_epoch
        return lambda first, end: epoch(W_in, corpus, output, context, schedule, stats, first,
                                        end, n_threads)

    def _train(self, vocabulary, corpus):
        # Pretrained vectors are loaded once, here; they give the dimension when
        # vector_size is None.
        pretrained_rows, pretrained_values = self._pretrained_rows(vocabulary)
        dim = pretrained_values.shape[1]
        seeds = SeedSource(self.random_state)
        W_in, inputs = self._prepare_inputs(vocabulary, dim, seeds)
        W_in[pretrained_rows] = pretrained_values  # word rows come first in every layout
        output = self._output_layer(vocabulary.counts, dim)
        blocks = make_blocks(corpus.offsets, MAX_SENTENCE_LENGTH)
        training = training_corpus(corpus.ids, blocks,
                                   keep_probabilities(vocabulary.counts, self.sample))
        context = ContextWindow(int(self.window), bool(self.shrink_windows),
                                self.cbow_agg == "mean", bool(self.batch_windows))
        stats = block_stats(blocks.n_blocks)

        def train_epoch(epoch, n_threads):
            schedule = linear_schedule(self.alpha, self.min_alpha, epoch, self.epochs,
                                       seeds.block_seeds(blocks.n_blocks), self.compute_loss)
            run_blocks(self._epoch_kernel(W_in, inputs, training, output, context, schedule,
                                          stats, n_threads),
                       blocks.n_blocks, n_threads)
            examples = int(stats.examples.sum())
            return float(stats.loss.sum() / examples) if examples else 0.0

        history = run_epochs(
            self, train_epoch, epochs=self.epochs, n_threads=resolve_n_jobs(self.n_jobs),
            unit="words", units_per_epoch=blocks.n_tokens, compute_loss=self.compute_loss,
            current_vectors=lambda: self._snapshot(vocabulary, W_in, inputs))
        if blocks.n_tokens and not stats.examples.any():
            warn_user(
                f"{type(self).__name__} saw no (center, context) pair: every document has "
                "at most one known token after sub-sampling; the vectors are still random",
                RuntimeWarning,
            )
        fitted = {"loss_curve_": history.loss_curve, "n_iter_": history.n_iter,
                  "n_pretrained_": len(pretrained_rows)}
        fitted.update(self._extra_fitted(vocabulary, W_in, inputs))
        return self._word_vectors(vocabulary, W_in, inputs), fitted

    def _snapshot(self, vocabulary, W_in, inputs):
        """Return the vectors as they are now, for callbacks: a copy, as training goes on."""
        vectors = self._word_vectors(vocabulary, W_in, inputs)
        if np.shares_memory(vectors, W_in):
            vectors = vectors.copy()
        return Vectors(vocabulary.tokens, vectors, vocabulary.counts)

    def _extra_fitted(self, vocabulary, W_in, inputs):
        """Fitted attributes beyond the token vectors (none for word2vec)."""
        return {}

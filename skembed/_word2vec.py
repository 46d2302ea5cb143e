"""Word2VecTransformer: skip-gram and CBOW word2vec trained inside ``fit``."""

import time
import warnings
from numbers import Integral, Real

import numpy as np

from ._base import _BaseEmbedding
from ._blocks import make_blocks
from ._compat import Interval, StrOptions
from ._kernels._word2vec import MAX_SENTENCE_LENGTH, cbow_epoch, skipgram_epoch
from ._progress import terminal_progress
from ._random import SeedSource
from ._threads import numba_threads, resolve_n_jobs
from ._vectors import Vectors
from ._vocab import alias_table, huffman_tree, keep_probabilities, noise_distribution

_CALLBACK_HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


def _call(callbacks, hook, *args):
    """Call ``hook`` on every callback that has it; True if any asks to stop."""
    stop = False
    for callback in callbacks or ():
        method = getattr(callback, hook, None)
        if method is not None and method(*args):
            stop = True
    return stop


class Word2VecTransformer(_BaseEmbedding):
    """Learn word2vec token vectors in ``fit`` and pool them into one row per document.

    Skip-gram or CBOW, each trained with negative sampling or hierarchical softmax, by
    compiled numba kernels that run ``n_jobs`` threads over the corpus. The fitted token
    vectors answer similarity and analogy queries through ``vectors_``; ``transform``
    pools the vectors of each document's tokens into one dense row.

    Parameters
    ----------
    vector_size : int, default=100
        Dimension of the token vectors.
    architecture : {"skipgram", "cbow"}, default="skipgram"
        Skip-gram predicts the center token from each context token; CBOW predicts it
        from the mean (or sum) of the context vectors.
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
    ns_exponent : float, default=0.75
        Noise distribution: token counts raised to this power (1 = by frequency, 0 =
        uniform).
    cbow_agg : {"mean", "sum"}, default="mean"
        How CBOW combines the context vectors.
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
        (plain or ``.gz``) with one document per line.
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
    pretrained : str, path or Vectors, default=None
        Pretrained vectors: a file that :func:`skembed.io.load_vectors` reads (word2vec
        text or binary, GloVe, fastText ``.vec``, skembed ``.npz``) or a
        :class:`Vectors`. Their dimension must equal ``vector_size``. A path is loaded in
        ``fit``; a Vectors object is shared, not copied, by ``clone``.
    fine_tune : bool, default=False
        With ``pretrained``: if False, use the vectors as they are (no training: ``fit``
        only counts tokens and fits the pooling statistics, and the vocabulary is the
        pretrained one); if True, build the vocabulary from X and train on it, starting
        the tokens that the pretrained vectors know from their vectors.
    compute_loss : bool, default=True
        Record the mean training loss of each epoch in ``loss_curve_``.
    n_jobs : int or None, default=None
        Training threads: None means 1, -1 all cores.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, sub-sampling, window sizes and noise tokens.
    verbose : int, default=0
        Print progress (words per second, loss) once per epoch when > 0.
    callbacks : list of objects or None, default=None
        Objects with any of the methods ``on_train_begin(estimator)``,
        ``on_epoch_begin(estimator, epoch)``, ``on_epoch_end(estimator, epoch, logs)`` and
        ``on_train_end(estimator, logs)``. ``logs`` holds ``loss``, ``words_per_second``,
        ``seconds`` and ``vectors`` (the current vectors, a :class:`Vectors`). An
        ``on_epoch_end`` that returns True stops training early.

    Attributes
    ----------
    vectors_ : Vectors
        The token vectors (the input weights), in vocabulary order.
    vocabulary_ : dict
        Token to row of ``vectors_``.
    counts_ : ndarray of int64
        Training count of each token.
    tokenizer_ : object
        The fitted tokenizer.
    loss_curve_ : list of float
        Mean loss per training example in each epoch: for negative sampling
        ``-log s(u.h) - sum log s(-u_k.h)``, for hierarchical softmax the sum of the
        binary losses along the path. Empty when ``compute_loss=False``.
    n_iter_ : int
        Epochs run (fewer than ``epochs`` if a callback stopped training; 0 with frozen
        pretrained vectors).
    n_pretrained_ : int
        Vocabulary tokens whose vectors started from ``pretrained`` (when fine-tuning).
    idf_ : ndarray of float32
        Smoothed IDF of each token on the training documents (``pooling="tfidf"``).
    sif_weights_ : ndarray of float32
        SIF weight of each token (``pooling="sif"``).
    sif_component_ : ndarray of float32
        Common component removed with ``pooling="sif"``.

    See Also
    --------
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
        "vector_size": [Interval(Integral, 1, None, closed="left")],
        "architecture": [StrOptions({"skipgram", "cbow"})],
        "objective": [StrOptions({"negative_sampling", "hierarchical_softmax"})],
        "window": [Interval(Integral, 1, None, closed="left")],
        "shrink_windows": ["boolean"],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "ns_exponent": [Interval(Real, None, None, closed="neither")],
        "cbow_agg": [StrOptions({"mean", "sum"})],
        "sample": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "min_alpha": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "compute_loss": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
    }

    def __init__(
        self,
        *,
        vector_size=100,
        architecture="skipgram",
        objective="negative_sampling",
        window=5,
        shrink_windows=True,
        negative=5,
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = resolve_n_jobs(self.n_jobs) > 1
        return tags

    def _output_layer(self, counts):
        """Output weights and the tables the chosen objective samples from."""
        n_tokens = len(counts)
        unused_f = np.zeros(1)
        unused_i = np.zeros(1, dtype=np.int32)
        if self.objective == "hierarchical_softmax":
            if n_tokens < 2:
                raise ValueError(
                    "hierarchical_softmax needs at least 2 tokens in the vocabulary, got "
                    f"{n_tokens}; lower min_count or use objective='negative_sampling'"
                )
            codes, points, lengths = huffman_tree(counts)
            W_out = np.zeros((n_tokens - 1, self.vector_size), dtype=np.float32)
            return W_out, (unused_f, unused_i, codes, points, lengths)
        accept, alias = alias_table(noise_distribution(counts, self.ns_exponent))
        W_out = np.zeros((n_tokens, self.vector_size), dtype=np.float32)
        no_codes = np.zeros((1, 1), dtype=np.uint8)
        return W_out, (accept, alias, no_codes, unused_i.reshape(1, 1), unused_i)

    def _initial_input_weights(self, n_rows, seeds):
        """Input weights uniform in [-1/dim, 1/dim), as gensim 4 initialises them."""
        dim = self.vector_size
        W_in = seeds.generator().random((n_rows, dim), dtype=np.float32)
        W_in *= np.float32(2.0)
        W_in -= np.float32(1.0)
        W_in /= np.float32(dim)
        return W_in

    def _prepare_inputs(self, vocabulary, seeds):
        """Input weights and the extra kernel arguments that describe them."""
        return self._initial_input_weights(len(vocabulary), seeds), ()

    def _word_vectors(self, vocabulary, W_in, inputs):
        """Return the token vectors in vocabulary order, given the input weights."""
        return W_in

    def _run_epoch(self, skipgram, weights, inputs, corpus_args, schedule):
        W_in, W_out = weights
        if skipgram:
            skipgram_epoch(W_in, W_out, *corpus_args, *schedule)
        else:
            cbow_epoch(W_in, W_out, *corpus_args, self.cbow_agg == "mean", *schedule)

    def _train(self, vocabulary, corpus):
        seeds = SeedSource(self.random_state)
        W_in, inputs = self._prepare_inputs(vocabulary, seeds)
        pretrained_rows, pretrained_values = self._pretrained_rows(vocabulary)
        W_in[pretrained_rows] = pretrained_values  # word rows come first in every layout
        W_out, (accept, alias, codes, points, lengths) = self._output_layer(vocabulary.counts)
        keep = keep_probabilities(vocabulary.counts, self.sample)
        blocks = make_blocks(corpus.offsets, MAX_SENTENCE_LENGTH)
        hierarchical = self.objective == "hierarchical_softmax"
        block_loss = np.zeros(blocks.n_blocks)
        block_examples = np.zeros(blocks.n_blocks, dtype=np.int64)
        corpus_args = (corpus.ids, blocks.sentence_offsets, blocks.block_bounds,
                       blocks.block_token_starts, blocks.n_tokens, keep, accept, alias, codes,
                       points, lengths, hierarchical, self.window, self.negative,
                       self.shrink_windows)

        loss_curve = []
        n_iter = 0
        bar = terminal_progress(self.verbose)
        hooks = [*(self.callbacks or ()), *bar]
        _call(hooks, "on_train_begin", self)
        logs = {}
        with numba_threads(resolve_n_jobs(self.n_jobs)) as n_threads:
            for epoch in range(self.epochs):
                _call(hooks, "on_epoch_begin", self, epoch)
                start = time.perf_counter()
                schedule = (self.alpha, self.min_alpha, epoch, self.epochs,
                            seeds.block_seeds(blocks.n_blocks), self.compute_loss,
                            block_loss, block_examples, n_threads)
                self._run_epoch(self.architecture == "skipgram", (W_in, W_out), inputs,
                                corpus_args, schedule)
                seconds = time.perf_counter() - start
                n_iter = epoch + 1
                examples = int(block_examples.sum())
                loss = float(block_loss.sum() / examples) if examples else 0.0
                if self.compute_loss:
                    loss_curve.append(loss)
                logs = {
                    "loss": loss if self.compute_loss else None,
                    "words_per_second": blocks.n_tokens / max(seconds, 1e-9),
                    "seconds": seconds,
                    # Only callbacks see the logs: build the vectors only for them.
                    "vectors": Vectors(vocabulary.tokens,
                                       self._word_vectors(vocabulary, W_in, inputs),
                                       vocabulary.counts) if self.callbacks else None,
                }
                self._report_epoch(epoch, n_threads, logs, echo=not bar)
                if _call(hooks, "on_epoch_end", self, epoch, logs):
                    break
        if blocks.n_tokens and not block_examples.any():
            warnings.warn(
                f"{type(self).__name__} saw no (center, context) pair: every document has "
                "at most one known token after sub-sampling; the vectors are still random",
                RuntimeWarning,
                stacklevel=4,
            )
        _call(hooks, "on_train_end", self, logs)
        fitted = {"loss_curve_": loss_curve, "n_iter_": n_iter,
                  "n_pretrained_": len(pretrained_rows)}
        fitted.update(self._extra_fitted(vocabulary, W_in, inputs))
        return self._word_vectors(vocabulary, W_in, inputs), fitted

    def _extra_fitted(self, vocabulary, W_in, inputs):
        """Fitted attributes beyond the token vectors (none for word2vec)."""
        return {}

    def _report_epoch(self, epoch, n_threads, logs, echo=True):
        loss = "" if logs["loss"] is None else f", loss {logs['loss']:.4f}"
        self._report(
            f"epoch {epoch + 1}/{self.epochs}: {logs['words_per_second']:,.0f} words/s "
            f"on {n_threads} thread(s){loss}",
            echo,
        )

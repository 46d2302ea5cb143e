"""FastTextTransformer: word vectors built from character n-grams, trained inside ``fit``."""

from numbers import Integral

import numpy as np

from ._compat import Interval
from ._kernels._fasttext import fasttext_epoch, mean_rows
from ._subwords import word_ngram_buckets
from ._vectors import Vectors
from ._word2vec import Word2VecTransformer

_INIT_CHUNK = 16_384  # n-gram rows initialised at a time


def _counter_uniform(seed, keys, dim):
    """Uniform floats in [-1/dim, 1/dim) that depend only on (seed, key, coordinate).

    Rows of n-gram buckets are initialised from the bucket id itself, so allocating rows
    only for the buckets in use gives exactly the values a full table would hold.
    """
    keys = np.asarray(keys, dtype=np.uint64)
    counters = keys[:, None] * np.uint64(dim) + np.arange(dim, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        z = counters + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    unit = (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / (1 << 24))
    return (unit * np.float32(2.0) - np.float32(1.0)) / np.float32(dim)


class SubwordTable:
    """The input rows of each vocabulary word: its own row, then its n-gram rows.

    Rows ``0 .. n_words - 1`` are the words; row ``n_words + k`` is the k-th n-gram bucket
    in use (``buckets[k]``, sorted). Only buckets that some vocabulary word has get a row.

    Parameters
    ----------
    tokens : list of str
        Vocabulary in order.
    min_n, max_n, bucket : int
        fastText's n-gram settings.
    """

    def __init__(self, tokens, min_n, max_n, bucket):
        n_words = len(tokens)
        offsets, word_buckets = word_ngram_buckets(tokens, min_n, max_n, bucket)
        self.buckets = np.unique(word_buckets)
        ngram_rows = n_words + np.searchsorted(self.buckets, word_buckets)
        sizes = np.diff(offsets) + 1
        self.offsets = np.zeros(n_words + 1, dtype=np.int64)
        np.cumsum(sizes, out=self.offsets[1:])
        self.rows = np.empty(self.offsets[-1], dtype=np.int32)
        first = self.offsets[:-1]
        self.rows[first] = np.arange(n_words)
        is_ngram = np.ones(len(self.rows), dtype=bool)
        is_ngram[first] = False
        self.rows[is_ngram] = ngram_rows
        # Adding g to each listed row moves the mean by g * sum(m_r^2) / len, where m_r
        # counts how often row r is listed (1 unless an n-gram repeats in the word).
        owner = np.repeat(np.arange(n_words), sizes)
        _, pair_index, multiplicity = np.unique(
            owner.astype(np.int64) * (n_words + len(self.buckets)) + self.rows,
            return_inverse=True, return_counts=True)
        squares = np.bincount(owner, weights=multiplicity[pair_index], minlength=n_words)
        self.mean_shift = (squares / sizes).astype(np.float32)
        self.n_words = n_words

    @property
    def n_rows(self):
        """Rows of the input matrix: words plus buckets in use."""
        return self.n_words + len(self.buckets)

    def word_means(self, W_in):
        """Return the vector of each vocabulary word: the mean of its rows."""
        return mean_rows(W_in, self.offsets, self.rows)


class FastTextVectors(Vectors):
    """Word vectors of a fastText model, with vectors for words never seen in training.

    A vocabulary word's vector is the mean of its own vector and its n-gram vectors. Any
    other word gets the mean of the vectors of its n-grams that occurred in training, or
    a zero vector when none did.

    Parameters
    ----------
    tokens : sequence of str
        Vocabulary in order.
    vectors : ndarray of shape (n_tokens, vector_size)
        Composed vocabulary vectors.
    ngram_vectors : ndarray of shape (n_buckets_used, vector_size)
        Vectors of the n-gram buckets that occurred in training.
    ngram_buckets : ndarray of int64
        Sorted bucket ids of those rows.
    min_n, max_n, bucket : int
        fastText's n-gram settings.
    counts : ndarray, default=None
        Training counts.
    analyzer : callable, default=None
        Splits a word into tokens when a subword tokenizer made the vocabulary.
    """

    def __init__(self, tokens, vectors, ngram_vectors, ngram_buckets, min_n, max_n, bucket,
                 counts=None, *, analyzer=None):
        super().__init__(tokens, vectors, counts, analyzer=analyzer)
        self.ngram_vectors = np.ascontiguousarray(ngram_vectors, dtype=np.float32)
        self.ngram_buckets = np.asarray(ngram_buckets, dtype=np.int64)
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket

    def ngram_rows(self, words):
        """Rows of ``ngram_vectors`` for each word's trained n-grams, as CSR.

        Parameters
        ----------
        words : sequence of str
            Words.

        Returns
        -------
        offsets : ndarray of int64
        rows : ndarray of int64
        """
        offsets, buckets = word_ngram_buckets(list(words), self.min_n, self.max_n,
                                              self.bucket)
        position = np.searchsorted(self.ngram_buckets, buckets)
        position = np.minimum(position, max(len(self.ngram_buckets) - 1, 0))
        found = (self.ngram_buckets[position] == buckets) if len(self.ngram_buckets) else (
            np.zeros(len(buckets), dtype=bool))
        kept_before = np.concatenate([[0], np.cumsum(found)])
        return kept_before[offsets], position[found]

    def oov_vectors(self, words):
        """Vectors of words from their trained n-grams; zero rows where none is known.

        Parameters
        ----------
        words : sequence of str
            Words.

        Returns
        -------
        vectors : ndarray of float32, shape (n_words, vector_size)
        known : ndarray of bool
            Whether each word had at least one trained n-gram.
        """
        offsets, rows = self.ngram_rows(words)
        counts = np.diff(offsets)
        out = np.zeros((len(counts), self.vector_size), dtype=np.float32)
        known = counts > 0
        if rows.size:
            sums = np.add.reduceat(self.ngram_vectors[rows], offsets[:-1][known], axis=0)
            out[known] = sums / counts[known][:, None]
        return out, known

    def __contains__(self, word):
        return word in self.index or bool(self.oov_vectors([word])[1][0])

    def get_vector(self, word, norm=False):
        """Return a word's vector; unseen words use their n-grams (zeros if none known).

        Parameters
        ----------
        word : str
            Any word.
        norm : bool, default=False
            Return the unit-length vector (a zero vector stays zero).

        Returns
        -------
        ndarray of float32, shape (vector_size,)
        """
        if word in self.index:
            return super().get_vector(word, norm=norm)
        vector = self.oov_vectors([word])[0][0]
        if norm:
            length = np.linalg.norm(vector)
            return vector / length if length > 0 else vector
        return vector

    __getitem__ = get_vector


class FastTextTransformer(Word2VecTransformer):
    """Learn fastText subword vectors in ``fit`` and pool them into one row per document.

    Every word is represented by its own vector plus the vectors of its character
    n-grams (with ``<`` and ``>`` marking the word's boundaries), averaged. Words never
    seen in training, misspellings and rare inflections therefore still get meaningful
    vectors from their n-grams, both in ``vectors_`` and in ``transform``.

    Parameters
    ----------
    min_n : int, default=3
        Shortest character n-gram.
    max_n : int, default=6
        Longest character n-gram; 0 disables n-grams (plain word vectors).
    bucket : int, default=2_000_000
        Number of hash buckets for n-grams (fastText's hash: 32-bit FNV-1a over the UTF-8
        bytes, so bucket ids equal fastText's and gensim's). Only buckets that occur in
        the vocabulary get a row, so memory follows the vocabulary, not ``bucket``.
    vector_size : int, default=100
        As in :class:`Word2VecTransformer`.
    architecture : {"skipgram", "cbow"}, default="skipgram"
        As in :class:`Word2VecTransformer`.
    objective : {"negative_sampling", "hierarchical_softmax"}, default="negative_sampling"
        As in :class:`Word2VecTransformer`.
    window : int, default=5
        As in :class:`Word2VecTransformer`.
    shrink_windows : bool, default=True
        As in :class:`Word2VecTransformer`.
    negative : int, default=5
        As in :class:`Word2VecTransformer`.
    ns_exponent : float, default=0.75
        As in :class:`Word2VecTransformer`.
    cbow_agg : {"mean", "sum"}, default="mean"
        As in :class:`Word2VecTransformer`.
    sample : float, default=1e-3
        As in :class:`Word2VecTransformer`.
    alpha : float, default=0.025
        As in :class:`Word2VecTransformer`.
    min_alpha : float, default=0.0001
        As in :class:`Word2VecTransformer`.
    epochs : int, default=5
        As in :class:`Word2VecTransformer`.
    min_count : int, default=5
        As in :class:`Word2VecTransformer`.
    max_vocab_size : int or None, default=None
        As in :class:`Word2VecTransformer`.
    input : {"content", "tokens", "filename"}, default="content"
        As in :class:`Word2VecTransformer`.
    encoding : str, default="utf-8"
        As in :class:`Word2VecTransformer`.
    tokenizer : str, path, tokenizers.Tokenizer or callable, default="word"
        As in :class:`Word2VecTransformer`.
    lowercase : bool, default=True
        As in :class:`Word2VecTransformer`.
    subword_vocab_size : int, default=8000
        As in :class:`Word2VecTransformer`.
    pooling : {"mean", "sum", "max", "tfidf", "sif"}, default="mean"
        As in :class:`Word2VecTransformer`.
    norm : {"l2"} or None, default=None
        As in :class:`Word2VecTransformer`.
    sif_smoothing : float, default=1e-3
        As in :class:`Word2VecTransformer`.
    pretrained : str, path or Vectors, default=None
        As in :class:`Word2VecTransformer`.
    fine_tune : bool, default=False
        As in :class:`Word2VecTransformer`.
    compute_loss : bool, default=True
        As in :class:`Word2VecTransformer`.
    n_jobs : int or None, default=None
        As in :class:`Word2VecTransformer`.
    random_state : int, RandomState instance or None, default=None
        As in :class:`Word2VecTransformer`.
    verbose : int, default=0
        As in :class:`Word2VecTransformer`.
    callbacks : list of objects or None, default=None
        As in :class:`Word2VecTransformer`.

    Attributes
    ----------
    vectors_ : FastTextVectors
        Word vectors (vocabulary words composed from their rows) and n-gram vectors.
    vocabulary_, counts_, tokenizer_, loss_curve_, n_iter_, idf_, sif_weights_,
    sif_component_
        As in :class:`Word2VecTransformer`.

    See Also
    --------
    Word2VecTransformer : The same model without subwords.

    Notes
    -----
    Training follows fastText: the input of a word is the mean of its rows and the
    gradient is added, whole, to each of them; skip-gram predicts each context word from
    the center word's subwords, CBOW predicts the center from all subwords of the context.
    ``transform`` gives an unseen token the mean of its known n-gram vectors; a token with
    no known n-gram is left out like any unknown token (see ``unknown_token_rate``).

    The input matrix has one row per vocabulary word and per n-gram bucket in use
    (fastText and gensim allocate all ``bucket`` rows: 2,000,000 x 100 float32 = 800 MB).
    Unused buckets never receive a gradient, so leaving them out changes no trained value;
    their rows would only hold random initial values, which skembed does not use for
    unseen words either.

    With ``pretrained`` vectors, frozen use keeps the n-grams of a
    :class:`FastTextVectors` (from another fitted FastTextTransformer); word vectors from
    a file (``.vec``) have none, so unseen words stay unknown. Fine-tuning starts the word
    rows from the pretrained vectors and the n-gram rows as usual.

    With ``tokenizer="word"`` (the fastText setting) n-grams are taken from whole words.
    With a subword tokenizer the tokens are already pieces of words, and their n-grams
    mostly repeat what the tokenizer learned: it works, but ``"word"`` is the meaningful
    combination.

    References
    ----------
    P. Bojanowski, E. Grave, A. Joulin and T. Mikolov, "Enriching Word Vectors with
    Subword Information", TACL 2017.

    Examples
    --------
    >>> from skembed import FastTextTransformer
    >>> docs = ["the runner runs", "a running dog runs"] * 50
    >>> ft = FastTextTransformer(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> ft.vectors_["runnings"].shape   # never seen: built from its n-grams
    (8,)
    """

    _parameter_constraints = {
        **Word2VecTransformer._parameter_constraints,
        "min_n": [Interval(Integral, 1, None, closed="left")],
        "max_n": [Interval(Integral, 0, None, closed="left")],
        "bucket": [Interval(Integral, 1, 2**31 - 1, closed="both")],
    }

    def __init__(
        self,
        *,
        vector_size=100,
        min_n=3,
        max_n=6,
        bucket=2_000_000,
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
        super().__init__(
            vector_size=vector_size, architecture=architecture, objective=objective,
            window=window, shrink_windows=shrink_windows, negative=negative,
            ns_exponent=ns_exponent, cbow_agg=cbow_agg, sample=sample, alpha=alpha,
            min_alpha=min_alpha, epochs=epochs, min_count=min_count,
            max_vocab_size=max_vocab_size, input=input, encoding=encoding,
            tokenizer=tokenizer, lowercase=lowercase, subword_vocab_size=subword_vocab_size,
            pooling=pooling, norm=norm, sif_smoothing=sif_smoothing, pretrained=pretrained,
            fine_tune=fine_tune, compute_loss=compute_loss, n_jobs=n_jobs,
            random_state=random_state, verbose=verbose, callbacks=callbacks,
        )
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket

    # ----------------------------------------------------------------- training

    def _prepare_inputs(self, vocabulary, seeds):
        max_n = self.max_n if self.max_n >= self.min_n else 0
        table = SubwordTable(vocabulary.tokens, self.min_n, max_n, self.bucket)
        seed = int(seeds.generator().integers(0, 2**63 - 1))
        W_in = np.empty((table.n_rows, self.vector_size), dtype=np.float32)
        W_in[: table.n_words] = self._initial_input_weights(table.n_words, seeds)
        for start in range(0, len(table.buckets), _INIT_CHUNK):  # small temporaries
            chunk = table.buckets[start : start + _INIT_CHUNK]
            rows = slice(table.n_words + start, table.n_words + start + len(chunk))
            W_in[rows] = _counter_uniform(seed, chunk, self.vector_size)
        return W_in, table

    def _word_vectors(self, vocabulary, W_in, table):
        return table.word_means(W_in)

    def _run_epoch(self, skipgram, weights, table, corpus_args, schedule):
        W_in, W_out = weights
        fasttext_epoch(W_in, W_out, table.offsets, table.rows, table.mean_shift,
                       *corpus_args[:-3], skipgram, *corpus_args[-3:], *schedule)

    def _extra_fitted(self, vocabulary, W_in, table):
        # A view: the word rows are small next to the n-gram rows, so no copy is made.
        return {"_ngram_rows": (W_in[table.n_words :], table.buckets)}

    def _make_vectors(self, vocabulary, matrix, analyzer, fitted):
        ngram_vectors, buckets = fitted.pop("_ngram_rows")
        max_n = self.max_n if self.max_n >= self.min_n else 0
        return FastTextVectors(vocabulary.tokens, matrix, ngram_vectors, buckets, self.min_n,
                               max_n, self.bucket, vocabulary.counts, analyzer=analyzer)

    # ---------------------------------------------------------------- transform

    def _resolve(self, corpus):
        """Vector table and ids where unknown tokens with known n-grams get rows."""
        vectors = self.vectors_
        ids = corpus.ids
        if not corpus.unknown_tokens or not isinstance(vectors, FastTextVectors):
            # Frozen pretrained word vectors (a .vec file) have no n-grams.
            return vectors.vectors, ids
        extra, known = vectors.oov_vectors(corpus.unknown_tokens)
        new_rows = np.where(known, len(vectors) + np.arange(len(known)), -1).astype(np.int32)
        resolved = ids.copy()
        coded = ids <= -2
        resolved[coded] = new_rows[-2 - ids[coded]]
        return np.vstack([vectors.vectors, extra]), resolved

"""FastTextTransformer: word vectors built from character n-grams, trained inside ``fit``."""

from numbers import Integral

import numpy as np

from ._compat import Interval
from ._kernels._bundles import Subwords
from ._kernels._fasttext import fasttext_epoch, mean_rows
from ._subwords import checked_max_n, word_ngram_buckets
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
    a zero vector when none did. Everything else (similarity queries, analogies) is as
    in [`Vectors`][skembed.Vectors], whose methods accept unseen words here.

    [`FastTextTransformer`][skembed.FastTextTransformer] builds one in ``fit`` as its
    ``vectors_``; there is rarely a reason to build one by hand.

    Parameters
    ----------
    tokens : sequence of str
        Vocabulary in order.
    vectors : ndarray of shape (n_tokens, vector_size)
        Composed vocabulary vectors.
    ngram_vectors : ndarray of shape (n_buckets_used, vector_size)
        Vectors of the n-gram buckets that occurred in training.
    ngram_buckets : ndarray of int64 of shape (n_buckets_used,)
        Sorted bucket ids of those rows.
    min_n, max_n, bucket : int
        The n-gram settings of the model: shortest and longest n-gram in characters, and
        the number of hash buckets.
    counts : ndarray of shape (n_tokens,), default=None
        Training counts.
    analyzer : callable, default=None
        Splits a word into tokens when a subword tokenizer made the vocabulary.

    Attributes
    ----------
    tokens : list of str
        Token of each row.
    vectors : ndarray of float32 of shape (n_tokens, vector_size)
        The composed vocabulary vectors.
    counts : ndarray of int64 or None
        Training counts.
    index : dict of str to int
        Token to row.
    analyzer : callable or None
        The ``analyzer`` given.
    ngram_vectors : ndarray of float32 of shape (n_buckets_used, vector_size)
        Vectors of the n-gram buckets that occurred in training.
    ngram_buckets : ndarray of int64 of shape (n_buckets_used,)
        Bucket id of each row of ``ngram_vectors``, sorted.
    min_n, max_n, bucket : int
        The n-gram settings given.

    See Also
    --------
    Vectors : Word vectors without n-grams.
    FastTextTransformer : Trains these vectors.

    Notes
    -----
    The vector files of [`skembed.io`][skembed.io] hold the word rows only: what loads
    back is a plain ``Vectors``. Pickling keeps the n-grams.

    Examples
    --------
    >>> from skembed import FastTextTransformer
    >>> docs = ["the runner runs", "a running dog runs"] * 50
    >>> ft = FastTextTransformer(vector_size=8, min_count=1, random_state=0).fit(docs)
    >>> vectors = ft.vectors_
    >>> "runnings" in vectors.index, "runnings" in vectors   # unseen, but has n-grams
    (False, True)
    >>> vectors["runnings"].shape
    (8,)
    >>> vectors.similarity("runnings", "running") > vectors.similarity("runnings", "dog")
    True
    """

    def __init__(self, tokens, vectors, ngram_vectors, ngram_buckets, min_n, max_n, bucket,
                 counts=None, *, analyzer=None):
        super().__init__(tokens, vectors, counts, analyzer=analyzer)
        self.ngram_vectors = np.ascontiguousarray(ngram_vectors, dtype=np.float32)
        self.ngram_buckets = np.asarray(ngram_buckets, dtype=np.int64)
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket

    def ngram_rows(self, words):
        """Return the rows of ``ngram_vectors`` for each word's trained n-grams, as CSR.

        N-grams whose bucket did not occur in training are left out; an n-gram that
        occurs twice in a word is listed twice, as fastText does.

        Parameters
        ----------
        words : sequence of str
            Words, without the ``<`` and ``>`` markers.

        Returns
        -------
        offsets : ndarray of int64 of shape (n_words + 1,)
            Word ``i``'s rows are ``rows[offsets[i]:offsets[i + 1]]``.
        rows : ndarray of int64
            Rows of ``ngram_vectors``.
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
        """Return vectors of words built from their trained n-grams alone.

        Each vector is the mean of the word's trained n-gram vectors (its own word row,
        if any, is not used), or zeros when it has none.

        Parameters
        ----------
        words : sequence of str
            Words.

        Returns
        -------
        vectors : ndarray of float32 of shape (n_words, vector_size)
            The mean n-gram vector of each word.
        known : ndarray of bool of shape (n_words,)
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
        ndarray of float32 of shape (vector_size,)
            The vocabulary vector, or the mean of the word's trained n-gram vectors.
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
    vector_size : int or None, default=None
        Dimension of the word and n-gram vectors. None means the dimension of the
        ``pretrained`` vectors when they are given, 100 otherwise. If set together with
        ``pretrained``, it must equal their dimension.
    min_n : int, default=3
        Shortest character n-gram, in characters of ``<word>`` (the markers count; the
        lone ``<`` and ``>`` are never n-grams).
    max_n : int, default=6
        Longest character n-gram; 0 disables n-grams (plain word vectors, and none for
        unseen words). Otherwise it must be at least ``min_n``.
    bucket : int, default=2_000_000
        Number of hash buckets for n-grams (fastText's hash: 32-bit FNV-1a over the UTF-8
        bytes, so bucket ids equal fastText's and gensim's). Only buckets that occur in
        the vocabulary get a row, so memory follows the vocabulary, not ``bucket``.
    architecture : {"skipgram", "cbow"}, default="skipgram"
        Skip-gram predicts each context word from the center word's input, the mean of
        its own row and its n-gram rows (as fastText does); CBOW predicts the center
        word from the mean (or sum, see ``cbow_agg``) of all the rows, word and n-gram,
        of all its context words.
    objective : {"negative_sampling", "hierarchical_softmax"}, default="negative_sampling"
        Output layer: logistic regression against ``negative`` noise words, or binary
        decisions along the word's path in a Huffman tree. The output layer has one row
        per vocabulary word (n-grams are inputs only).
    window : int, default=5
        Largest distance between the center and a context word.
    shrink_windows : bool, default=True
        Draw each center's window uniformly from 1 to ``window``, as fastText and word2vec
        do (which weights near context more); if False, always use ``window``.
    negative : int, default=5
        Noise words per prediction with negative sampling.
    batch_windows : bool, default=False
        Skip-gram with negative sampling only (ignored otherwise): train the pairs of each
        window as one minibatch step instead of one pair after the other. The center's
        subword mean predicts every context word of the window (each against its own
        ``negative`` noise words) from the rows as they are, and the center's word and
        n-gram rows move once a window rather than once a pair. Sharing the noise draw
        as Word2Vec's ``batch_windows`` does was measured and left out here: with one
        input per window it cost 5 points of analogy accuracy. See the performance page
        for the measured speed and quality.
    ns_exponent : float, default=0.75
        Noise distribution: word counts raised to this power (1 = by frequency, 0 =
        uniform).
    cbow_agg : {"mean", "sum"}, default="mean"
        How CBOW combines the rows of the context words. ``"mean"`` (fastText's only
        choice): the hidden vector is their mean, and its gradient is added, whole, to
        each row. ``"sum"`` (gensim's ``cbow_mean=0``): the hidden vector is their sum,
        and its gradient is shared out over the rows (each gets the gradient divided by
        their number), as gensim does. Ignored by skip-gram.
    sample : float, default=1e-3
        Sub-sampling threshold: words more frequent than this share of the corpus are
        randomly skipped, with word2vec's keep probability ``(sqrt(f/sample) + 1) *
        sample / f``. 0 disables it.
    alpha : float, default=0.025
        Initial learning rate.
    min_alpha : float, default=0.0001
        Final learning rate; the rate decays linearly over all epochs' tokens.
    epochs : int, default=5
        Passes over the corpus.
    min_count : int, default=5
        Ignore words seen fewer times than this: they get no word row, and no n-gram
        rows through them (an n-gram trains only through vocabulary words).
    max_vocab_size : int or None, default=None
        Bound on the distinct words held while counting (the rarest are forgotten when
        exceeded, as word2vec does).
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are: raw text, lists of str tokens, or paths of text files
        with one document per line, plain or compressed with gzip, bzip2 or xz
        (recognised by their first bytes), streamed.
    encoding : str, default="utf-8"
        Encoding of files read with ``input="filename"``.
    tokenizer : str, path, tokenizers.Tokenizer or callable, default="word"
        ``"word"`` (whole words: the fastText setting), a subword model trained in
        ``fit`` (``"bpe"``, ``"wordpiece"``, ``"unigram"``), a given
        ``tokenizers.Tokenizer`` or ``tokenizer.json`` path, or a callable ``str -> list
        of str``. Character n-grams are taken from each token, so with a subword
        tokenizer they are n-grams of word pieces (see Notes).
    lowercase : bool, default=True
        Lowercase text before tokenizing.
    subword_vocab_size : int, default=8000
        Vocabulary size of a subword tokenizer trained in ``fit``.
    pooling : {"mean", "sum", "max", "tfidf", "sif"}, default="mean"
        How a document's word vectors become one row: their mean, sum or coordinate-wise
        maximum; a mean weighted by IDF; or smooth inverse frequency (weights ``a / (a +
        p(word))``, then the first principal component of the training documents is
        removed). IDF and SIF statistics are fitted on the training documents; an
        unseen word that gets a vector from its n-grams is weighted as a word never seen
        in training (the largest IDF, SIF weight 1).
    norm : {"l2"} or None, default=None
        Scale each output row to unit length.
    sif_smoothing : float, default=1e-3
        The ``a`` of SIF weights.
    pretrained : str, path-like, Vectors, KeyedVectors or None, default=None
        Pretrained vectors: the path of a file that
        [`load_vectors`][skembed.io.load_vectors] reads (word2vec text or binary, GloVe,
        fastText ``.vec``, skembed ``.npz``), a [`Vectors`][skembed.Vectors] (a
        [`FastTextVectors`][skembed.FastTextVectors] keeps its n-grams when frozen), or
        gensim ``KeyedVectors`` (any object with ``index_to_key`` and ``vectors``
        attributes, such as a trained gensim model's ``wv``; skembed does not import
        gensim, and uses only the word vectors of gensim's ``FastTextKeyedVectors``).
        They set the dimension when ``vector_size`` is None. A path is read in ``fit``.
        ``clone`` (and so a grid search) shares a ``Vectors`` between the copies but
        deep-copies any other object: to search a grid over gensim vectors, convert them
        once with ``skembed.Vectors(kv.index_to_key, kv.vectors)``.
    fine_tune : bool, default=False
        With ``pretrained``: if False, use the vectors as they are (no training: ``fit``
        only counts words and fits the pooling statistics, and the vocabulary is the
        pretrained one); if True, build the vocabulary from X and train on it, starting
        the word rows of the words that the pretrained vectors know from their vectors
        (n-gram rows start at random, as usual).
    compute_loss : bool, default=True
        Record the mean training loss of each epoch in ``loss_curve_`` (and in the
        callbacks' ``logs``).
    n_jobs : int or None, default=None
        Training threads: None means 1, -1 all cores, -2 all but one. With more than one
        thread, results vary slightly from run to run (see Notes).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation (word rows, and n-gram rows from their bucket ids),
        sub-sampling, window sizes and noise words.
    verbose : int, default=0
        Print progress (words per second, loss) once per epoch when > 0.
    callbacks : list of objects or None, default=None
        Objects with any of the methods ``on_train_begin(estimator)``,
        ``on_epoch_begin(estimator, epoch)``, ``on_epoch_end(estimator, epoch, logs)`` and
        ``on_train_end(estimator, logs)`` (the protocol is described in
        [`skembed.callbacks`][skembed.callbacks]). ``logs`` holds ``loss``,
        ``words_per_second``, ``seconds`` and ``vectors`` (the current vocabulary word
        vectors, each the mean of its rows, as a [`Vectors`][skembed.Vectors]). An
        ``on_epoch_end`` that returns True stops training early.

    Attributes
    ----------
    vectors_ : FastTextVectors
        Word vectors (each vocabulary word the mean of its own row and its n-gram rows)
        and the trained n-gram vectors, which give vectors to unseen words. With frozen
        pretrained vectors, those vectors themselves (n-grams only if they are a
        ``FastTextVectors``).
    vocabulary_ : dict of str to int
        Word to row of ``vectors_``, most frequent first (ties alphabetical); with frozen
        pretrained vectors, their own vocabulary and order.
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Occurrences of each vocabulary word in the training documents.
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
        Vocabulary words whose vectors come from ``pretrained``: those the pretrained
        vectors know when fine-tuning (their word rows), all of them when frozen, 0
        without ``pretrained``.
    n_training_documents_ : int
        Documents in the training data (the IDF of a word never seen in them is
        computed from it).
    idf_ : ndarray of float32 of shape (n_vocabulary,)
        Smoothed inverse document frequency of each word on the training documents,
        ``log((1 + n) / (1 + df)) + 1`` as in scikit-learn (used by ``pooling="tfidf"``).
    sif_weights_ : ndarray of float32 of shape (n_vocabulary,)
        SIF weight ``a / (a + p(word))`` of each word, ``a`` being ``sif_smoothing``
        (used by ``pooling="sif"``).
    sif_component_ : ndarray of float32 of shape (vector_size,)
        Unit-length common component of the SIF-weighted training documents, removed
        from every row by ``pooling="sif"`` (zeros if the documents have no known word).

    See Also
    --------
    Word2VecTransformer : The same model without subwords.
    FastTextVectors : The fitted vectors, with vectors for unseen words.

    Notes
    -----
    Training follows fastText: the input of a word is the mean of its rows and the
    gradient is added, whole, to each of them; skip-gram predicts each context word from
    the center word's subwords, CBOW predicts the center from all the rows of all the
    context words (their mean, or with ``cbow_agg="sum"`` their sum, whose gradient is
    shared out over the rows as gensim does). The output layer, sub-sampling, windows,
    learning-rate schedule and threading are those of
    [`Word2VecTransformer`][skembed.Word2VecTransformer]: with ``n_jobs > 1`` results vary
    slightly from run to run; with ``n_jobs=1`` and a fixed ``random_state`` two fits are
    bit-for-bit identical.

    ``transform`` gives an unseen token the mean of its known n-gram vectors; a token with
    no known n-gram is left out like any unknown token (see ``unknown_token_rate``).

    The input matrix has one row per vocabulary word and per n-gram bucket in use
    (fastText and gensim allocate all ``bucket`` rows: 2,000,000 x 100 float32 = 800 MB).
    Unused buckets never receive a gradient, so leaving them out changes no trained value;
    their rows would only hold random initial values, which skembed does not use for
    unseen words either.

    With ``pretrained`` vectors, frozen use keeps the n-grams of a
    [`FastTextVectors`][skembed.FastTextVectors] (from another fitted
    FastTextTransformer); word vectors from a file (``.vec``) or from gensim have none,
    so unseen words stay unknown. Fine-tuning starts the word
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
        vector_size=None,
        min_n=3,
        max_n=6,
        bucket=2_000_000,
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
        super().__init__(
            vector_size=vector_size, architecture=architecture, objective=objective,
            window=window, shrink_windows=shrink_windows, negative=negative,
            batch_windows=batch_windows, ns_exponent=ns_exponent, cbow_agg=cbow_agg,
            sample=sample, alpha=alpha, min_alpha=min_alpha, epochs=epochs,
            min_count=min_count,
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

    def _max_n(self):
        """Return the longest n-gram used: ``max_n``, where 0 means no n-grams."""
        return checked_max_n(self.min_n, self.max_n)

    def _fit_vocabulary(self, X):
        self._max_n()  # refuse min_n > max_n before reading X
        return super()._fit_vocabulary(X)

    def _prepare_inputs(self, vocabulary, dim, seeds):
        table = SubwordTable(vocabulary.tokens, self.min_n, self._max_n(), self.bucket)
        seed = int(seeds.generator().integers(0, 2**63 - 1))
        W_in = np.empty((table.n_rows, dim), dtype=np.float32)
        W_in[: table.n_words] = self._initial_input_weights(table.n_words, dim, seeds)
        for start in range(0, len(table.buckets), _INIT_CHUNK):  # small temporaries
            chunk = table.buckets[start : start + _INIT_CHUNK]
            rows = slice(table.n_words + start, table.n_words + start + len(chunk))
            W_in[rows] = _counter_uniform(seed, chunk, dim)
        return W_in, table

    def _word_vectors(self, vocabulary, W_in, table):
        return table.word_means(W_in)

    def _epoch_kernel(self, W_in, table, corpus, output, context, schedule, stats, n_threads):
        subwords = Subwords(table.offsets, table.rows, table.mean_shift)
        skipgram = self.architecture == "skipgram"
        return lambda first, end: fasttext_epoch(
            W_in, subwords, corpus, output, context, schedule, stats, skipgram, first, end,
            n_threads)

    def _extra_fitted(self, vocabulary, W_in, table):
        # A view: the word rows are small next to the n-gram rows, so no copy is made.
        return {"_ngram_rows": (W_in[table.n_words :], table.buckets)}

    def _make_vectors(self, vocabulary, matrix, analyzer, fitted):
        ngram_vectors, buckets = fitted.pop("_ngram_rows")
        return FastTextVectors(vocabulary.tokens, matrix, ngram_vectors, buckets, self.min_n,
                               self._max_n(), self.bucket, vocabulary.counts,
                               analyzer=analyzer)

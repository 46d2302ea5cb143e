"""StaticEmbedding: pooled rows from frozen token vectors that were trained elsewhere."""

import os
from numbers import Real

from sklearn.utils.validation import check_is_fitted

from ._base import _POOLING_MODES, _BaseEmbedding, _TokenizerName
from ._compat import HasMethods, Interval, StrOptions
from ._tokenize import make_tokenizer, subword_tokenizer_of, without_padding
from ._vectors import HasKeyedVectors, Vectors, load_vector_source
from ._wordpiece import fast_wordpiece


class StaticEmbedding(_BaseEmbedding):
    """Pool frozen token vectors (pre-trained, distilled or fitted elsewhere) per document.

    The generic frozen-vectors transformer: nothing is trained. ``fit`` reads X once to
    learn only what pooling needs (token counts for SIF weights and the SIF common
    component, document frequencies for IDF weights), so clones are cheap and a grid
    search over ``pooling``, ``norm`` or the classifier after it costs little.

    Parameters
    ----------
    vectors : str, path-like, Vectors, KeyedVectors or fitted estimator
        The token vectors: the path of a file that
        [`load_vectors`][skembed.io.load_vectors] reads (word2vec text or binary, GloVe,
        fastText ``.vec``, skembed ``.npz``; read in ``fit``), a
        [`Vectors`][skembed.Vectors] (for instance from [`distill`][skembed.distill]),
        gensim ``KeyedVectors``, or a fitted skembed embedding estimator, pipeline or
        ``sklearn.frozen.FrozenEstimator`` holding one. ``clone`` shares a ``Vectors``
        between copies, but unfits an estimator (scikit-learn clones every parameter): in
        a grid search pass ``estimator.vectors_`` or a ``FrozenEstimator``. To fit many
        times from a file, load it once with ``skembed.io.load_vectors`` (or save it as
        ``.npz``, which is memory-mapped and opens at once).
    tokenizer : None, str, path, tokenizers.Tokenizer or callable, default=None
        How text is split into tokens. None takes the tokenizer stored with the vectors
        (distilled vectors carry their teacher's, vectors trained by skembed with a
        subword tokenizer carry theirs, and a native ``.npz`` file saves it) and
        ``"word"`` for vectors without one (word2vec, GloVe and fastText files). Otherwise
        as for the other estimators: ``"word"``, a ``tokenizers.Tokenizer`` or
        ``tokenizer.json`` path, or a callable ``str -> list of str``; a subword model
        trained in ``fit`` cannot match frozen vectors and is refused.
    lowercase : bool, default=True
        Lowercase text before the ``"word"`` tokenizer or a callable splits it, and
        pre-split tokens (``input="tokens"``); a ``tokenizers`` model normalises text
        itself. Set False for cased vectors.
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are: raw text, lists of str tokens, or paths of text files
        with one document per line (plain or compressed with gzip, bzip2 or xz).
    encoding : str, default="utf-8"
        Encoding of files read with ``input="filename"``.
    pooling : {"mean", "sum", "max", "tfidf", "sif"}, default="mean"
        How a document's token vectors become one row: their mean, sum or coordinate-wise
        maximum; a mean weighted by IDF; or smooth inverse frequency (weights ``a / (a +
        p(token))`` with ``p`` the token's frequency in the training documents, then the
        first principal component of the pooled training documents is removed). All the
        statistics are fitted for every mode, so ``set_params(pooling=...)`` after
        ``fit`` needs no refit.
    norm : {"l2"} or None, default=None
        Scale each output row to unit length (advised before a union with TF-IDF rows,
        which are unit length too).
    sif_smoothing : float, default=1e-3
        The ``a`` of SIF weights.

    Attributes
    ----------
    vectors_ : Vectors
        The token vectors used (loaded from the file, or the given ones, not copied).
    vocabulary_ : dict of str to int
        Token to row of ``vectors_``.
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Occurrences of each token in the training documents.
    tokenizer_ : object
        The tokenizer that splits text: the one stored with the vectors, skembed's word
        tokenizer, a given ``tokenizers.Tokenizer`` or the given callable. A BERT WordPiece
        ``tokenizers.Tokenizer`` (distilled vectors') is wrapped in a cache of its word
        pieces that gives the same tokens several times faster; the wrapper's
        ``tokenizer`` is the original.
    idf_ : ndarray of float32 of shape (n_vocabulary,)
        Smoothed inverse document frequency of each token in the training documents (as
        scikit-learn's ``TfidfVectorizer``), used by ``pooling="tfidf"``.
    sif_weights_ : ndarray of float32 of shape (n_vocabulary,)
        ``a / (a + p(token))`` from the training documents' token frequencies.
    sif_component_ : ndarray of float32 of shape (n_features,)
        The first principal component (uncentred) of the SIF-pooled training documents,
        removed from every row by ``pooling="sif"``.
    n_training_documents_ : int
        Number of documents seen in ``fit``.

    See Also
    --------
    distill : Static vectors distilled from a sentence encoder, to use here.
    SentenceEncoder : Contextual rows from a sentence-transformers model.
    Word2VecTransformer : Train vectors in ``fit``, or fine-tune pretrained ones.

    Notes
    -----
    Unknown tokens (without a vector) are left out of a document's row; a document with
    no known token gets a row of zeros. ``unknown_token_rate`` says how many tokens were
    left out. With fastText vectors that keep their n-grams (a fitted
    [`FastTextTransformer`][skembed.FastTextTransformer]'s ``vectors_``), unseen words get
    vectors from their n-grams.

    ``Word2VecTransformer(pretrained=..., fine_tune=False)`` gives the same rows for
    word vectors; ``StaticEmbedding`` is the transformer to use when nothing is trained:
    it has no training parameters, takes the vectors' own tokenizer, and accepts any
    vector source.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import StaticEmbedding, Vectors
    >>> vectors = Vectors(["good", "bad", "film"], np.array([[1.0, 0], [-1, 0], [0, 1]]))
    >>> embedding = StaticEmbedding(vectors).fit(["a good film", "a bad film"])
    >>> embedding.transform(["good film", "bad"])
    array([[ 0.5,  0.5],
           [-1. ,  0. ]], dtype=float32)
    """

    _parameter_constraints = {
        "vectors": [str, os.PathLike, Vectors, HasKeyedVectors(), HasMethods(["fit"])],
        "tokenizer": [
            None,
            _TokenizerName(),
            HasMethods(["encode_batch", "get_vocab"]),
            callable,
        ],
        "lowercase": ["boolean"],
        "input": [StrOptions({"content", "tokens", "filename"})],
        "encoding": [str],
        "pooling": [StrOptions(set(_POOLING_MODES))],
        "norm": [StrOptions({"l2"}), None],
        "sif_smoothing": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, vectors, *, tokenizer=None, lowercase=True, input="content",
                 encoding="utf-8", pooling="mean", norm=None, sif_smoothing=1e-3):
        self.vectors = vectors
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.input = input
        self.encoding = encoding
        self.pooling = pooling
        self.norm = norm
        self.sif_smoothing = sif_smoothing

    def _frozen(self):
        return True

    def _pretrained_vectors(self):
        self._check_tokenizer_for_vectors()
        return load_vector_source(self.vectors, what="vectors")

    def _frozen_tokenizer(self, vectors):
        if self.tokenizer is None:
            stored = subword_tokenizer_of(vectors.analyzer)
            if stored is None:
                return make_tokenizer("word", lowercase=self.lowercase, input=self.input)
            # Never pad or cut documents, whatever the stored tokenizer was set to do.
            tokenizer_ = without_padding(stored[0])
        else:
            tokenizer_ = super()._frozen_tokenizer(vectors)
        # A BERT WordPiece tokenizer gets its exact cached fast path (same tokens).
        return fast_wordpiece(tokenizer_) or tokenizer_

    def _frozen_attributes(self, vectors):
        return {}

    def build_analyzer(self):
        """Return the callable that splits one document into tokens.

        With ``tokenizer=None`` the tokenizer comes with the vectors, so the estimator
        must be fitted first.

        Returns
        -------
        analyzer : callable
            Maps one document (a str, or a list of str with ``input="tokens"``) to a list
            of token strings.
        """
        if self.tokenizer is None:
            check_is_fitted(self)
        return super().build_analyzer()

"""OneHotWordEncoder: sparse one-hot (bag-of-tokens) encoding of documents."""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseTextEstimator
from ._compat import Interval, StrOptions


class OneHotWordEncoder(_BaseTextEstimator, auto_wrap_output_keys=None):
    """Encode documents as sparse one-hot rows over a learned token vocabulary.

    Each vocabulary token is one column. A document's row marks the tokens it contains
    (``binary=True``) or counts them. [`encode`][skembed.OneHotWordEncoder.encode] gives
    the per-token view the classic
    explanation of embeddings starts from: one row per token with a single 1, so that
    multiplying it by a weight matrix ``W`` selects the rows of ``W`` for those tokens.

    Parameters
    ----------
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are: raw text documents, documents already split into
        lists of str tokens, or paths of text files read one document per line, plain or
        compressed with gzip, bzip2 or xz (recognised by their first bytes), streamed.
    encoding : str, default="utf-8"
        Encoding of files read with ``input="filename"``.
    tokenizer : str, path, tokenizers.Tokenizer or callable, default="word"
        How documents are split into tokens:

        - ``"word"``: runs of Unicode letters and digits with inner apostrophes;
        - ``"bpe"``, ``"wordpiece"``, ``"unigram"``: a subword tokenizer of the
          ``tokenizers`` package trained inside ``fit`` on the training documents (so it
          is refit inside each cross-validation fold and never sees test data);
        - a ``tokenizers.Tokenizer`` or the path of a ``tokenizer.json``: used as given;
        - a callable mapping one str to a list of str.
    lowercase : bool, default=True
        Lowercase text before splitting it (and pre-split tokens with ``input="tokens"``).
        A given ``tokenizers.Tokenizer`` keeps its own normalisation.
    subword_vocab_size : int, default=8000
        Vocabulary size of a subword tokenizer trained in ``fit``.
    min_count : int, default=1
        Ignore tokens seen fewer times than this in the training documents.
    max_vocab_size : int or None, default=None
        Bound on the distinct tokens held while counting, to limit memory on huge corpora:
        when exceeded, the rarest tokens so far are forgotten (as word2vec does).
    max_features : int or None, default=None
        Keep only the ``max_features`` most frequent tokens (ties broken alphabetically).
    binary : bool, default=True
        Mark presence with 1; if False, count occurrences.
    handle_unknown : {"ignore", "error"}, default="ignore"
        What to do with a token outside the vocabulary in ``transform`` and ``encode``:
        leave it out (a zero row in ``encode``), or raise a
        ``ValueError`` naming the document and the token. Tokens dropped by
        ``min_count``, ``max_features`` or ``max_vocab_size`` are outside the vocabulary.
    dtype : type, default=numpy.float64
        Type of the output values.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token to column index, in order of decreasing count (ties alphabetical).
    counts_ : ndarray of int64 of shape (n_vocabulary,)
        Occurrences of each vocabulary token in the training documents.
    tokenizer_ : object
        The fitted tokenizer: skembed's word tokenizer, a ``tokenizers.Tokenizer``
        (trained in ``fit`` or given), or the given callable.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Counts of tokens, alphabetical
        columns.
    Word2VecTransformer : Dense rows from word vectors learned over such a vocabulary.

    Notes
    -----
    The input is read once: documents are tokenized, counted and encoded as flat id
    arrays in a single pass, so one-shot generators work and files are streamed.
    ``fit_transform`` reuses that pass instead of reading ``X`` again.

    Examples
    --------
    >>> from skembed import OneHotWordEncoder
    >>> docs = ["the cat sat", "the dog sat down"]
    >>> encoder = OneHotWordEncoder().fit(docs)
    >>> encoder.get_feature_names_out().tolist()
    ['sat', 'the', 'cat', 'dog', 'down']
    >>> encoder.transform(["the dog ate the cat"]).toarray()
    array([[0., 1., 1., 1., 0.]])
    >>> encoder.encode("the cat").toarray()
    array([[0., 1., 0., 0., 0.],
           [0., 0., 1., 0., 0.]])
    """

    _parameter_constraints = {
        **_BaseTextEstimator._parameter_constraints,
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "binary": ["boolean"],
        "handle_unknown": [StrOptions({"ignore", "error"})],
        "dtype": [type, str],
    }

    def __init__(
        self,
        *,
        input="content",
        encoding="utf-8",
        tokenizer="word",
        lowercase=True,
        subword_vocab_size=8000,
        min_count=1,
        max_vocab_size=None,
        max_features=None,
        binary=True,
        handle_unknown="ignore",
        dtype=np.float64,
    ):
        self.input = input
        self.encoding = encoding
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.subword_vocab_size = subword_vocab_size
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.max_features = max_features
        self.binary = binary
        self.handle_unknown = handle_unknown
        self.dtype = dtype

    def _max_vocabulary(self):
        return self.max_features

    def _output_dtype(self):
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind not in "biuf":
            raise ValueError(f"dtype={self.dtype!r} is not a numeric type")
        return dtype

    def _fit_encoded(self, vocabulary, corpus, tokenizer_):
        self._output_dtype()  # fail in fit, not in the first transform
        return {}

    def _raise_unknown(self, position, token):
        raise ValueError(
            f"document {position} contains the token {token!r}, which is not in the "
            "vocabulary (handle_unknown='error'); use handle_unknown='ignore' to leave "
            "unknown tokens out"
        )

    def _check_known(self, corpus):
        position = corpus.first_unknown_document()
        if position is not None:
            raise ValueError(
                f"document {position} contains tokens that are not in the vocabulary "
                f"(handle_unknown='error'; min_count={self.min_count}, max_features="
                f"{self.max_features} and max_vocab_size={self.max_vocab_size} leave "
                "tokens out); use handle_unknown='ignore' to leave them out"
            )

    def transform(self, X):
        """Encode each document as one sparse row over the vocabulary.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as set by ``input``.

        Returns
        -------
        X_new : scipy.sparse.csr_matrix of shape (n_documents, n_vocabulary)
            Presence (``binary=True``) or counts of each vocabulary token.
        """
        on_unknown = self._raise_unknown if self.handle_unknown == "error" else None
        return self._transform_encoded(self._encode_documents(X, on_unknown=on_unknown))

    def _transform_encoded(self, corpus):
        if self.handle_unknown == "error":
            self._check_known(corpus)
        n_features = len(self.vocabulary_)
        rows = np.repeat(np.arange(corpus.n_documents, dtype=np.int64), corpus.lengths)
        known = corpus.ids >= 0
        # Sorting (row, column) keys gives a canonical CSR with duplicates summed.
        keys, counts = np.unique(rows[known] * n_features + corpus.ids[known], return_counts=True)
        indptr = np.zeros(corpus.n_documents + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys // n_features, minlength=corpus.n_documents), out=indptr[1:])
        values = np.ones(len(keys)) if self.binary else counts
        return sp.csr_matrix(
            (values.astype(self._output_dtype()), keys % n_features, indptr),
            shape=(corpus.n_documents, n_features),
        )

    def encode(self, doc):
        """One-hot encode the tokens of one document, one row per token.

        Row ``i`` has a single 1 in the column of the document's ``i``-th token (a row of
        zeros for an unknown token when ``handle_unknown="ignore"``). So, for a weight
        matrix ``W`` with one row per vocabulary token, ``encode(doc) @ W`` equals
        ``W[ids]``: multiplying by a one-hot vector selects a row.

        Parameters
        ----------
        doc : str or list of str
            One document (a list of tokens with ``input="tokens"``).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_tokens, n_vocabulary)
            One row per token of the document, in order, with a 1 in the token's column
            (a row of zeros for an unknown token).
        """
        check_is_fitted(self)
        if self.input == "filename":
            raise ValueError("encode takes one document, not a file name; "
                             "it does not read files even with input='filename'")
        on_unknown = self._raise_unknown if self.handle_unknown == "error" else None
        corpus = self._encode_documents([doc], on_unknown=on_unknown)
        ids = corpus.ids
        known = ids >= 0
        n_tokens = len(ids)
        indptr = np.zeros(n_tokens + 1, dtype=np.int64)
        np.cumsum(known, out=indptr[1:])
        return sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=self._output_dtype()), ids[known], indptr),
            shape=(n_tokens, len(self.vocabulary_)),
        )

    def get_feature_names_out(self, input_features=None):
        """Return the vocabulary tokens, one per output column.

        Parameters
        ----------
        input_features : None
            Ignored; text input has no input feature names.

        Returns
        -------
        ndarray of str objects
            The tokens in column order (most frequent first).
        """
        check_is_fitted(self)
        return np.asarray(self._feature_tokens(), dtype=object)

"""Vectors: fitted token vectors with similarity queries (a small KeyedVectors).

``as_vectors`` is the one way to get a ``Vectors`` out of an object: vectors,
a fitted embedding estimator, a pipeline or ``FrozenEstimator`` around one, or gensim's
vectors. ``skembed.io``, ``skembed.plot``, ``skembed.evaluation`` and ``pretrained=`` all
go through it, so they accept the same inputs and fail with the same errors.
"""

import numpy as np
from sklearn.exceptions import NotFittedError

from ._compat import HasMethods

_COSMUL_EPSILON = 1e-6  # as in Levy and Goldberg (2014) and gensim

# Word-boundary markers of subword tokens: "▁" starts a word (SentencePiece, and skembed's
# BPE and Unigram), "Ġ" too (byte-level BPE), "##" continues one (WordPiece), "</w>" ends
# one (the original BPE). A token without its marker is the word's plain spelling.
_SUBWORD_PREFIXES = ("▁", "Ġ", "##")
_SUBWORD_SUFFIXES = ("</w>",)


def _spelling(token):
    """Return a subword token without its word-boundary marker."""
    for prefix in _SUBWORD_PREFIXES:
        if token.startswith(prefix):
            token = token[len(prefix) :]
            break
    for suffix in _SUBWORD_SUFFIXES:
        if token.endswith(suffix):
            token = token[: -len(suffix)]
            break
    return token


def _as_list(items):
    if items is None:
        return []
    if isinstance(items, (str, np.ndarray)):
        return [items]
    return list(items)


class Vectors:
    """Token vectors learned by an embedding estimator, with similarity queries.

    Rows follow the vocabulary order of the estimator that made them (most frequent
    first). Queries use cosine similarity computed with one BLAS matrix-vector product over
    the unit-normalised matrix, which is computed once and cached.

    When the vectors belong to subword tokens, ``analyzer`` splits a word into those tokens,
    and a word that is not itself a token gets the mean vector of its known tokens.

    Parameters
    ----------
    tokens : sequence of str
        Token of each row.
    vectors : ndarray of shape (n_tokens, vector_size)
        One vector per token; stored as float32.
    counts : ndarray of shape (n_tokens,), default=None
        Training counts of the tokens.
    analyzer : callable, default=None
        Maps a word to its subword tokens, for words that are not tokens themselves.

    Attributes
    ----------
    tokens : list of str
        Token of each row.
    vectors : ndarray of float32, shape (n_tokens, vector_size)
        The vectors.
    counts : ndarray of int64 or None
        Training counts.
    index : dict of str to int
        Token to row.
    analyzer : callable or None
        The ``analyzer`` given.

    See Also
    --------
    FastTextVectors : Vectors that also give unseen words a vector, from n-grams.
    skembed.io.load_vectors : Read vectors from a file.
    skembed.evaluation.evaluate_analogies : Accuracy on analogy questions.

    Examples
    --------
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> kv = Vectors(["king", "queen", "man", "woman"],
    ...              np.array([[1, 1], [1, -1], [0.9, 1.1], [0.9, -0.9]]))
    >>> kv.analogy("man", "king", "woman")[0][0]
    'queen'
    >>> round(kv.similarity("king", "man"), 3)
    0.995
    """

    def __init__(self, tokens, vectors, counts=None, *, analyzer=None):
        self.tokens = list(tokens)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.tokens):
            raise ValueError(
                f"vectors must have one row per token: {len(self.tokens)} tokens, "
                f"vectors of shape {self.vectors.shape}"
            )
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.analyzer = analyzer
        self.index = {token: i for i, token in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("tokens must be unique")
        self._normed = None
        self._rows_by_spelling = None

    # ---------------------------------------------------------------- access

    def __len__(self):
        return len(self.tokens)

    @property
    def vector_size(self):
        """Dimension of the vectors."""
        return self.vectors.shape[1]

    def __repr__(self):
        return f"Vectors({len(self)} tokens, vector_size={self.vector_size})"

    def __sklearn_clone__(self):
        # A parameter value (``pretrained=``): clone shares it rather than deep-copying
        # the matrix for every candidate of a grid search. Vectors are not modified in
        # place by skembed.
        return self

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_normed"] = None  # caches: recomputed on demand
        state["_rows_by_spelling"] = None
        return state

    def _pieces(self, word):
        if self.analyzer is None:
            return []
        return [self.index[piece] for piece in self.analyzer(word) if piece in self.index]

    def __contains__(self, word):
        return word in self.index or bool(self._pieces(word))

    def get_vector(self, word, norm=False):
        """Return the vector of a token (or of a word composed of known subword tokens).

        Parameters
        ----------
        word : str
            A token, or a word made of known subword tokens.
        norm : bool, default=False
            Return the unit-length vector.

        Returns
        -------
        ndarray of float32, shape (vector_size,)
            A copy, safe to modify.

        Raises
        ------
        KeyError
            If the word is not a token and none of its subword tokens is known.
        """
        if word in self.index:
            row = self.index[word]
            return (self.normed[row] if norm else self.vectors[row]).copy()
        pieces = self._pieces(word)
        if not pieces:
            detail = " and none of its subword tokens is" if self.analyzer is not None else ""
            raise KeyError(f"{word!r} is not in the vocabulary{detail}")
        vector = self.vectors[pieces].mean(axis=0)
        return _unit(vector) if norm else vector

    __getitem__ = get_vector

    @property
    def normed(self):
        """Unit-length rows (zero rows stay zero), float32, computed once."""
        if self._normed is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._normed = np.divide(
                self.vectors, norms, out=np.zeros_like(self.vectors), where=norms > 0
            )
        return self._normed

    # --------------------------------------------------------------- queries

    def _query_rows(self, word):
        """Rows that are the query word itself, in any form its tokenizer gives it.

        That is the word's own row, the single token the analyzer turns it into (``▁love``
        for ``love`` with BPE, ``love`` for ``Love`` when lowercasing), and any token with
        the same spelling once its subword marker is removed (``love``, ``##love``). A word
        the analyzer splits into several pieces is not itself a row: its pieces stay
        candidates.
        """
        rows = set()
        if word in self.index:
            rows.add(self.index[word])
        if self.analyzer is None:
            return rows
        if word in self.index:
            spelling = _spelling(word)
        else:
            pieces = self.analyzer(word)
            if len(pieces) == 1 and pieces[0] in self.index:
                rows.add(self.index[pieces[0]])
            spelling = "".join(_spelling(piece) for piece in pieces)
        rows.update(self._spelling_index().get(spelling, ()))
        return rows

    def _spelling_index(self):
        """Token spelling (without subword markers) to rows, built on first use."""
        if getattr(self, "_rows_by_spelling", None) is None:
            rows_by_spelling = {}
            for row, token in enumerate(self.tokens):
                rows_by_spelling.setdefault(_spelling(token), []).append(row)
            self._rows_by_spelling = rows_by_spelling
        return self._rows_by_spelling

    def _query(self, positive, negative):
        """Mean of the +1/-1 weighted unit vectors of the query, and the rows to leave out."""
        terms = [(item, 1.0) for item in _as_list(positive)]
        terms += [(item, -1.0) for item in _as_list(negative)]
        if not terms:
            raise ValueError("give at least one positive or negative word")
        used = set()
        total = np.zeros(self.vector_size, dtype=np.float32)
        for item, weight in terms:
            if isinstance(item, str):
                total += weight * self.get_vector(item, norm=True)
                used |= self._query_rows(item)
            else:
                total += weight * _unit(np.asarray(item, dtype=np.float32))
        return _unit(total / len(terms)), used

    def _top(self, scores, exclude, topn, restrict_vocab):
        if restrict_vocab is not None:
            scores = scores[:restrict_vocab]
        scores = scores.astype(np.float64)
        for row in exclude:
            if row < len(scores):
                scores[row] = -np.inf
        topn = min(topn, len(scores))
        best = np.argpartition(-scores, topn - 1)[:topn] if topn else np.array([], int)
        best = best[np.lexsort((best, -scores[best]))]
        return [(self.tokens[i], float(scores[i])) for i in best if np.isfinite(scores[i])]

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Return the tokens closest by cosine to positive minus negative words.

        The query is the mean of the unit vectors of the ``positive`` words and of the
        negated unit vectors of the ``negative`` words.

        Parameters
        ----------
        positive, negative : str, array or list of them, default=None
            Words (or raw vectors) that pull towards and away from the result.
        topn : int, default=10
            How many tokens to return.
        restrict_vocab : int, default=None
            Search only the first (most frequent) tokens.

        Returns
        -------
        list of (str, float)
            Tokens and cosine similarities, best first. Query words are left out, as gensim
            does, in every form their subword tokenizer gives them (``▁love`` and
            ``##love`` for ``love``); the pieces of a word split into several stay in.
        """
        query, used = self._query(positive, negative)
        return self._top(self.normed @ query, used, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Return the tokens closest by cosine to a vector.

        Parameters
        ----------
        vector : array of shape (vector_size,)
            The query vector.
        topn : int, default=10
            How many tokens to return.
        restrict_vocab : int, default=None
            Search only the first (most frequent) tokens.

        Returns
        -------
        list of (str, float)
            Tokens and cosine similarities, best first (nothing is left out).
        """
        query = _unit(np.asarray(vector, dtype=np.float32))
        return self._top(self.normed @ query, (), topn, restrict_vocab)

    def similarity(self, a, b):
        """Return the cosine similarity of two words.

        Parameters
        ----------
        a, b : str
            Words (or words made of known subword tokens).

        Returns
        -------
        float
            The cosine of the angle between their vectors, in [-1, 1] (0 if either is a
            zero vector).
        """
        return float(np.dot(self.get_vector(a, norm=True), self.get_vector(b, norm=True)))

    def analogy(self, a, b, c, topn=1, method="3cosadd", restrict_vocab=None):
        """Answer "a is to b as c is to ?".

        Parameters
        ----------
        a, b, c : str
            The analogy's words: ``king`` - ``man`` + ``woman`` is ``analogy("man",
            "king", "woman")``.
        topn : int, default=1
            How many answers to return.
        method : {"3cosadd", "3cosmul"}, default="3cosadd"
            3CosAdd ranks by ``cos(d, b) - cos(d, a) + cos(d, c)``; 3CosMul (Levy and
            Goldberg, 2014) by ``cos(d, b) cos(d, c) / (cos(d, a) + 1e-6)`` with cosines
            shifted to [0, 1].
        restrict_vocab : int, default=None
            Search only the first (most frequent) tokens.

        Returns
        -------
        list of (str, float)
            Answers and their scores, best first; a, b and c are left out, in every
            form their subword tokenizer gives them (see ``most_similar``).
        """
        if method == "3cosadd":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method != "3cosmul":
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        cos = [(self.normed @ self.get_vector(w, norm=True) + 1.0) / 2.0 for w in (a, b, c)]
        scores = cos[1] * cos[2] / (cos[0] + _COSMUL_EPSILON)
        used = self._query_rows(a) | self._query_rows(b) | self._query_rows(c)
        return self._top(scores, used, topn, restrict_vocab)

    def doesnt_match(self, words):
        """Return the word furthest from the mean of the others' unit vectors.

        Parameters
        ----------
        words : list of str
            At least two words.

        Returns
        -------
        str
            The odd one out, as given in ``words``.
        """
        words = list(words)
        if len(words) < 2:
            raise ValueError("doesnt_match needs at least two words")
        unit = np.vstack([self.get_vector(w, norm=True) for w in words])
        mean = _unit(unit.mean(axis=0))
        return words[int(np.argmin(unit @ mean))]


def _unit(vector):
    norm = np.linalg.norm(vector)
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


# --------------------------------------------------- vectors from other objects

_ACCEPTED = (
    "expected a Vectors or a fitted embedding estimator (its vectors_), a fitted Pipeline "
    "or FrozenEstimator holding one, or gensim vectors (KeyedVectors, or any object with "
    "index_to_key and vectors; a gensim model with .wv)"
)


class _NoVectorsError(TypeError):
    """Raised by ``as_vectors`` for an object that holds no word vectors at all."""


class HasKeyedVectors(HasMethods):
    """Parameter constraint: an object with ``index_to_key`` and ``vectors`` attributes.

    gensim's ``KeyedVectors`` (and anything shaped like it) is recognised by these two
    attributes, so skembed never imports gensim. scikit-learn's ``HasMethods`` asks for
    callables; these are data attributes.
    """

    def __init__(self):
        super().__init__(["index_to_key", "vectors"])

    def is_satisfied_by(self, val):
        return _is_keyed_vectors(val)

    def __str__(self):
        return "an object with index_to_key and vectors attributes (gensim KeyedVectors)"


def _is_keyed_vectors(obj):
    return hasattr(obj, "index_to_key") and hasattr(obj, "vectors")


def _is_embedding(obj):
    from ._base import _BaseEmbedding  # _base imports this module

    return isinstance(obj, _BaseEmbedding)


def _is_frozen_estimator(obj):
    try:
        from sklearn.frozen import FrozenEstimator
    except ImportError:  # scikit-learn < 1.6
        return False
    return isinstance(obj, FrozenEstimator)


def as_vectors(obj, *, what="vectors"):
    """Return the ``Vectors`` that an object holds or is.

    Parameters
    ----------
    obj : object
        One of:

        * a ``Vectors``, returned as it is;
        * a fitted skembed embedding estimator (its ``vectors_``), or any object whose
          ``vectors_`` is a ``Vectors``;
        * a scikit-learn ``Pipeline``: its last step holding vectors, searched from the
          end (steps without vectors, such as a classifier, are passed over);
        * a ``sklearn.frozen.FrozenEstimator`` around any of these;
        * gensim's ``KeyedVectors``, or any object with ``index_to_key`` (str keys) and
          ``vectors`` (one row per key), converted without importing gensim; a gensim
          model (``Word2Vec``, ``FastText``) through its ``wv``.
    what : str, default="vectors"
        Name of the argument ``obj`` came from, for error messages.

    Returns
    -------
    Vectors
        The object's own ``Vectors`` where it has one (not a copy); gensim vectors
        are wrapped with their matrix shared when it is float32 and C-contiguous.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        For an embedding estimator (alone, in a pipeline or frozen) that is not fitted.
    TypeError
        For anything else, listing what is accepted; or for gensim vectors with keys that
        are not strings.
    """
    if isinstance(obj, Vectors):
        return obj
    if isinstance(getattr(obj, "vectors_", None), Vectors):
        return obj.vectors_
    if _is_embedding(obj):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(obj)  # fitted without vectors_ cannot happen: fit sets them together
    if _is_frozen_estimator(obj):
        return as_vectors(obj.estimator, what=what)
    from sklearn.pipeline import Pipeline

    if isinstance(obj, Pipeline):
        # The last step with vectors: a classifier or scaler after the embedding is
        # passed over, an unfitted embedding is not (NotFittedError).
        for _, step in reversed(obj.steps):
            try:
                return as_vectors(step, what=what)
            except _NoVectorsError:
                continue
    elif _is_keyed_vectors(obj):
        return _from_keyed_vectors(obj, what)
    elif _is_keyed_vectors(getattr(obj, "wv", None)):
        return _from_keyed_vectors(obj.wv, what)
    raise _NoVectorsError(
        f"found no fitted word vectors in {type(obj).__name__} (the {what!r} argument): "
        f"{_ACCEPTED}"
    )


def load_vector_source(source, *, what="vectors"):
    """Return the ``Vectors`` a parameter names: a file path, or what ``as_vectors`` takes.

    A path is read with ``skembed.io.load_vectors`` (every format it knows, the format
    told by the file). An embedding estimator that is not fitted raises a
    ``NotFittedError`` that says how to pass fitted vectors through ``clone``, which
    scikit-learn applies to every parameter (so a fitted estimator given as a parameter
    arrives unfitted in a grid search).
    """
    import os

    if isinstance(source, (str, os.PathLike)):
        from .io import load_vectors

        return load_vectors(source)
    try:
        return as_vectors(source, what=what)
    except NotFittedError as error:
        raise NotFittedError(
            f"{what}: {error} If it was fitted, it was unfitted by clone (which "
            "GridSearchCV, cross_val_score and Pipeline cloning apply to every parameter): "
            f"pass its vectors_ (a Vectors, shared by clones) or wrap it in "
            "sklearn.frozen.FrozenEstimator"
        ) from None


def matching_rows(vectors, tokens):
    """Return the positions of ``tokens`` that ``vectors`` know, and their vectors.

    Parameters
    ----------
    vectors : Vectors
        Pretrained vectors.
    tokens : sequence of str
        A vocabulary in order.

    Returns
    -------
    rows : ndarray of int64
        Positions in ``tokens`` of the tokens found in ``vectors.index``.
    values : ndarray of float32 of shape (len(rows), vector_size)
        Their vectors.
    """
    pairs = [(row, vectors.index[token]) for row, token in enumerate(tokens)
             if token in vectors.index]
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros((0, vectors.vector_size), np.float32)
    rows, sources = (np.array(column, dtype=np.int64) for column in zip(*pairs, strict=True))
    return rows, vectors.vectors[sources]


def _from_keyed_vectors(keyed, what):
    """Wrap gensim-style vectors (``index_to_key``, ``vectors``, optional counts)."""
    tokens = list(keyed.index_to_key)
    for row, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError(
                f"{what}: key {row} of index_to_key is {token!r} ({type(token).__name__}); "
                "word vectors need str keys (gensim leaves None in slots reserved with "
                "KeyedVectors(count=...) but never filled)"
            )
    # gensim keeps training counts as the "count" vector attribute of trained models.
    counts = getattr(keyed, "expandos", {}).get("count")
    if counts is not None and np.shape(counts) != (len(tokens),):
        counts = None
    try:
        return Vectors(tokens, keyed.vectors, counts)
    except ValueError as error:
        raise ValueError(f"{what}: {error}") from None

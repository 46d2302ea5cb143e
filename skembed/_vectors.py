"""Vectors: fitted token vectors with similarity queries (a small KeyedVectors)."""

import numpy as np

_COSMUL_EPSILON = 1e-6  # as in Levy and Goldberg (2014) and gensim


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
    index : dict
        Token to row.

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
        state["_normed"] = None  # a cache: recomputed on demand
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

    def _query(self, positive, negative):
        """Mean of the +1/-1 weighted unit vectors of the query, and the tokens used."""
        terms = [(item, 1.0) for item in _as_list(positive)]
        terms += [(item, -1.0) for item in _as_list(negative)]
        if not terms:
            raise ValueError("give at least one positive or negative word")
        used = set()
        total = np.zeros(self.vector_size, dtype=np.float32)
        for item, weight in terms:
            if isinstance(item, str):
                total += weight * self.get_vector(item, norm=True)
                if item in self.index:
                    used.add(self.index[item])
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
        """Tokens closest by cosine to the mean of positive minus negative unit vectors.

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
            Tokens and cosine similarities, best first; query words are left out.
        """
        query, used = self._query(positive, negative)
        return self._top(self.normed @ query, used, topn, restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Tokens closest by cosine to a vector.

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
        """
        query = _unit(np.asarray(vector, dtype=np.float32))
        return self._top(self.normed @ query, (), topn, restrict_vocab)

    def similarity(self, a, b):
        """Cosine similarity of two words.

        Parameters
        ----------
        a, b : str
            Words.

        Returns
        -------
        float
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
            Answers and their scores, best first; a, b and c are left out.
        """
        if method == "3cosadd":
            return self.most_similar([b, c], [a], topn=topn, restrict_vocab=restrict_vocab)
        if method != "3cosmul":
            raise ValueError(f"method must be '3cosadd' or '3cosmul', got {method!r}")
        cos = [(self.normed @ self.get_vector(w, norm=True) + 1.0) / 2.0 for w in (a, b, c)]
        scores = cos[1] * cos[2] / (cos[0] + _COSMUL_EPSILON)
        used = {self.index[w] for w in (a, b, c) if w in self.index}
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

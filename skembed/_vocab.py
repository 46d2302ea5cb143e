"""Vocabulary: counting, pruning, ordering, corpus encoding and the trainers' tables.

Everything here is a pure function of token counts, or a single pass over token lists.
The order of a vocabulary is ``(-count, token)``: it does not depend on document order,
dict order or hash order.
"""

from dataclasses import dataclass
from itertools import repeat

import numpy as np

from ._kernels._corpus import add_counts, copy_known, count_known, remap_ids
from ._spill import SpillableArray, allocate

_FLUSH_TOKENS = 1 << 16  # ids buffered in a Python list before moving to a NumPy chunk
_SCAN_SLICE = 1 << 24  # ids compared at a time when looking for an unknown one
_PRUNE_SLICE = 8192  # with max_vocab_size, check the bound at least this often in a document


class _IdAssigner(dict):
    """Token to provisional id; an unseen token gets the next id on lookup."""

    __slots__ = ("n_ids",)

    def __init__(self):
        super().__init__()
        self.n_ids = 0

    def __missing__(self, token):
        pid = self[token] = self.n_ids
        self.n_ids += 1
        return pid


@dataclass(frozen=True)
class EncodedCorpus:
    """A corpus as one flat array of token ids plus document boundaries.

    Document ``d`` is ``ids[offsets[d]:offsets[d + 1]]``.

    Attributes
    ----------
    ids : ndarray of int32
        Token ids in corpus order (a memory-mapped temporary file for a large corpus).
        A negative id marks a token outside the vocabulary: ``-2 - k`` is the token
        ``unknown_tokens[k]``, and ``-1`` a token whose text was not kept (a tokenizer's
        special token, or one forgotten while counting).
    offsets : ndarray of int64, shape (n_documents + 1,)
        Start of each document in ``ids``, followed by ``len(ids)``.
    unknown_tokens : tuple of str
        Text of the unknown tokens coded ``-2 - k``.
    """

    ids: np.ndarray
    offsets: np.ndarray
    unknown_tokens: tuple = ()

    @property
    def n_documents(self):
        """Number of documents."""
        return len(self.offsets) - 1

    @property
    def lengths(self):
        """Number of tokens in each document."""
        return np.diff(self.offsets)

    def known(self):
        """Return the same documents without their unknown (``-1``) tokens."""
        n_known = count_known(self.ids)
        if n_known == len(self.ids):
            return self
        new_ids = allocate(n_known, np.int32)
        new_offsets = allocate(len(self.offsets), np.int64)
        copy_known(self.ids, self.offsets, new_ids, new_offsets)
        return EncodedCorpus(ids=new_ids, offsets=new_offsets)

    def first_unknown_document(self):
        """Index of the first document holding an unknown token, or None."""
        for start in range(0, len(self.ids), _SCAN_SLICE):
            unknown = np.flatnonzero(self.ids[start : start + _SCAN_SLICE] < 0)
            if len(unknown):
                return int(np.searchsorted(self.offsets, start + unknown[0], side="right") - 1)
        return None


class _CorpusRecorder:
    """Record documents as token ids, buffered in a list and then in spillable arrays.

    Extend ``ids`` with a document's ids, then call ``end_document``; when it
    returns True, ``flush`` moves the buffer out (the caller may count it first).
    """

    def __init__(self):
        self.ids = []
        self._ends = []
        self._n_flushed = 0
        self._id_array = SpillableArray(np.int32)
        self._offsets = SpillableArray(np.int64)
        self._offsets.append(np.zeros(1, dtype=np.int64))

    def end_document(self):
        """Close the document whose ids were just added; tell whether to flush now."""
        self._ends.append(self._n_flushed + len(self.ids))
        return len(self.ids) >= _FLUSH_TOKENS or len(self._ends) >= _FLUSH_TOKENS

    def flush(self):
        """Move the buffered ids and document ends to the arrays; return the ids moved."""
        chunk = np.array(self.ids, dtype=np.int32)
        self.ids = []
        self._n_flushed += len(chunk)
        self._id_array.append(chunk)
        self._offsets.append(np.array(self._ends, dtype=np.int64))
        self._ends = []
        return chunk

    def finish(self, unknown_tokens=()):
        """Return the recorded documents (memory-mapped past ``SPILL_BYTES``)."""
        self.flush()
        return EncodedCorpus(ids=self._id_array.to_array(), offsets=self._offsets.to_array(),
                             unknown_tokens=unknown_tokens)


@dataclass(frozen=True)
class Vocabulary:
    """Tokens in vocabulary order with their counts.

    Attributes
    ----------
    tokens : list of str
        Token of each id.
    counts : ndarray of int64
        Number of occurrences of each token in the training corpus.
    """

    tokens: list
    counts: np.ndarray

    def __len__(self):
        return len(self.tokens)

    def index(self):
        """Map each token to its id."""
        return {token: i for i, token in enumerate(self.tokens)}


class VocabularyBuilder:
    """Count tokens and record the corpus in one pass over token lists.

    Tokens get provisional ids in order of first sight; ``finish`` prunes the counts,
    sorts the survivors by ``(-count, token)`` and rewrites the recorded ids into that
    order, so the input is read exactly once.

    With ``max_vocab_size``, the number of distinct tokens held while counting is bounded
    as word2vec does it: whenever it exceeds the bound, every token seen at most
    ``min_reduce`` times so far is forgotten and ``min_reduce`` grows by one. The bound is
    checked every 8192 tokens, so it can be passed by at most that many tokens. A forgotten
    token that comes back starts counting from zero, and its earlier occurrences are not
    part of the encoded corpus, so counts and corpus always agree.

    Parameters
    ----------
    max_vocab_size : int or None, default=None
        Bound on distinct tokens held while counting.
    exclude : iterable of str, default=()
        Tokens that never enter the vocabulary (a tokenizer's special tokens).
    """

    def __init__(self, max_vocab_size=None, exclude=()):
        self.max_vocab_size = max_vocab_size
        self._index = _IdAssigner()
        self._exclude = frozenset(exclude)
        for token in sorted(self._exclude):
            self._index[token]  # reserve ids so excluded tokens are recognised
        self._recorder = _CorpusRecorder()
        self._counts = np.zeros(1024, dtype=np.int64)
        self._min_reduce = 1
        self.n_pruned = 0
        self.n_tokens_seen = 0

    def _limit(self):
        return self.max_vocab_size + len(self._exclude)

    def add(self, tokens):
        """Record one document given as a list of token strings."""
        lookup = self._index.__getitem__
        if self.max_vocab_size is None:
            self._recorder.ids.extend(map(lookup, tokens))
        else:
            for start in range(0, len(tokens), _PRUNE_SLICE):
                # Prune before adding, as word2vec does on the next new word, so the tokens
                # of the last slice always survive to the end of counting.
                if len(self._index) > self._limit():
                    self._prune()
                self._recorder.ids.extend(map(lookup, tokens[start : start + _PRUNE_SLICE]))
        self.n_tokens_seen += len(tokens)
        if self._recorder.end_document():
            self._flush()

    def _flush(self):
        """Count the buffered ids and move them (and the document ends) to the arrays."""
        if self._index.n_ids > np.iinfo(np.int32).max:
            raise ValueError(
                "more than 2**31 distinct tokens seen while counting; set max_vocab_size"
                if self.max_vocab_size is None else
                f"more than 2**31 distinct tokens seen while counting (each new token takes "
                f"an id, even one max_vocab_size={self.max_vocab_size} later forgets); "
                "split the corpus or normalise its tokens")
        if self._index.n_ids > len(self._counts):
            grown = np.zeros(max(self._index.n_ids, 2 * len(self._counts)), dtype=np.int64)
            grown[: len(self._counts)] = self._counts
            self._counts = grown
        add_counts(self._recorder.flush(), self._counts)

    def _prune(self):
        self._flush()
        counts = self._counts
        doomed = [
            token
            for token, pid in self._index.items()
            if counts[pid] <= self._min_reduce and token not in self._exclude
        ]
        for token in doomed:
            pid = self._index.pop(token)
            counts[pid] = 0
        self.n_pruned += len(doomed)
        self._min_reduce += 1

    def finish(self, *, min_count=1, max_size=None):
        """Build the vocabulary and the encoded corpus.

        Parameters
        ----------
        min_count : int, default=1
            Drop tokens seen fewer times than this.
        max_size : int or None, default=None
            Keep only this many of the most frequent tokens.

        Returns
        -------
        vocabulary : Vocabulary
            The surviving tokens in ``(-count, token)`` order.
        corpus : EncodedCorpus
            The documents; tokens that did not make the vocabulary have negative ids.
            Past ``skembed._spill.SPILL_BYTES`` its arrays are memory-mapped temporary
            files.
        """
        self._flush()
        counts = self._counts[: self._index.n_ids]
        count_of = counts.tolist()  # Python ints sort several times faster than NumPy's
        held = [(token, pid) for token, pid in self._index.items() if token not in self._exclude]
        held.sort(key=lambda item: (-count_of[item[1]], item[0]))
        n_kept = sum(1 for _, pid in held if count_of[pid] >= min_count)  # a prefix: sorted
        if max_size is not None:
            n_kept = min(n_kept, max_size)
        live, dropped = held[:n_kept], held[n_kept:]
        remap = np.full(len(counts), -1, dtype=np.int32)
        pids = np.fromiter((pid for _, pid in live), dtype=np.int64, count=len(live))
        remap[pids] = np.arange(len(live), dtype=np.int32)
        # Tokens left out by min_count or max_size keep their text, coded -2 - k, for
        # estimators that can still give them a vector (fastText's n-grams).
        dropped_pids = np.fromiter((pid for _, pid in dropped), dtype=np.int64,
                                   count=len(dropped))
        remap[dropped_pids] = -2 - np.arange(len(dropped), dtype=np.int32)
        vocabulary = Vocabulary(tokens=[token for token, _ in live], counts=counts[pids].copy())

        # Rewrite the recorded ids in place, so the corpus is never held twice (nor wholly
        # in memory when it was spilled to a file).
        corpus = self._recorder.finish(unknown_tokens=tuple(token for token, _ in dropped))
        remap_ids(corpus.ids, remap)
        return vocabulary, corpus

    @property
    def n_distinct_seen(self):
        """Distinct tokens currently held (after any pruning), excluded tokens aside."""
        return len(self._index) - len(self._exclude)

    def most_frequent(self):
        """Return the most frequent token held and its count (None if nothing was seen)."""
        self._flush()
        best = None
        for token, pid in self._index.items():
            if token in self._exclude:
                continue
            key = (-self._counts[pid], token)
            if best is None or key < best[0]:
                best = (key, token)
        return None if best is None else (best[1], int(-best[0][0]))


def extend_vocabulary(vocabulary, corpus, tokens):
    """Append ``tokens`` not yet in the vocabulary (count 0), and recode the corpus.

    Unknown tokens of the corpus (coded ``-2 - k``) that the extension adds get their new
    ids; the others stay unknown, renumbered. The corpus ids are rewritten in place.

    Parameters
    ----------
    vocabulary : Vocabulary
        The vocabulary learned from the corpus.
    corpus : EncodedCorpus
        The corpus encoded against it.
    tokens : iterable of str
        Tokens to add, in order (those already in the vocabulary are skipped).

    Returns
    -------
    vocabulary : Vocabulary
        The vocabulary followed by the new tokens.
    corpus : EncodedCorpus
        The same documents encoded against it.
    """
    known = vocabulary.index()
    added = [token for token in dict.fromkeys(tokens) if token not in known]
    new_ids = {token: len(known) + i for i, token in enumerate(added)}
    remaining = [token for token in corpus.unknown_tokens if token not in new_ids]
    renumbered = {token: -2 - i for i, token in enumerate(remaining)}
    table = np.array([new_ids.get(token, renumbered.get(token)) for token in
                      corpus.unknown_tokens], dtype=np.int32)
    ids = corpus.ids
    for start in range(0, len(ids), _SCAN_SLICE):
        chunk = ids[start : start + _SCAN_SLICE]
        coded = chunk <= -2
        chunk[coded] = table[-2 - chunk[coded]]
    extended = Vocabulary(tokens=[*vocabulary.tokens, *added],
                          counts=np.concatenate([vocabulary.counts,
                                                 np.zeros(len(added), dtype=np.int64)]))
    return extended, EncodedCorpus(ids=ids, offsets=corpus.offsets,
                                   unknown_tokens=tuple(remaining))


def encode(token_docs, index, *, on_unknown=None):
    """Encode token lists against a fixed vocabulary; unknown tokens get negative ids.

    The ``k``-th distinct unknown token is coded ``-2 - k`` and listed in
    ``unknown_tokens``.

    Parameters
    ----------
    token_docs : iterable of list of str
        Tokens of each document.
    index : dict
        Token to id.
    on_unknown : callable or None, default=None
        Called as ``on_unknown(document_position, token)`` for the first unknown token of
        a document (it typically raises); None accepts unknown tokens silently.

    Returns
    -------
    EncodedCorpus
    """
    lookup = index.get
    recorder = _CorpusRecorder()
    unknown = {}
    for position, tokens in enumerate(token_docs):
        ids = recorder.ids
        start = len(ids)
        ids.extend(map(lookup, tokens, repeat(-1, len(tokens))))
        if -1 in ids[start:]:
            if on_unknown is not None:
                on_unknown(position, next(t for t in tokens if t not in index))
            for offset, token in enumerate(tokens):
                if ids[start + offset] == -1:
                    ids[start + offset] = -2 - unknown.setdefault(token, len(unknown))
        if recorder.end_document():
            recorder.flush()
    return recorder.finish(unknown_tokens=tuple(unknown))


# ---------------------------------------------------------------- trainer tables


def keep_probabilities(counts, sample):
    """Probability of keeping each occurrence of a token under word2vec sub-sampling.

    A token with count ``c`` in a corpus of ``N`` tokens is kept with probability
    ``min(1, (sqrt(c / t) + 1) * t / c)`` where ``t = sample * N``, the formula of the
    word2vec C tool and gensim.

    Parameters
    ----------
    counts : array-like of int
        Token counts.
    sample : float
        Threshold as a fraction of the corpus; ``0`` disables sub-sampling.

    Returns
    -------
    ndarray of float64
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0 or len(counts) == 0:
        return np.ones(len(counts))
    threshold = sample * counts.sum()
    return np.minimum(1.0, (np.sqrt(counts / threshold) + 1.0) * threshold / counts)


def noise_distribution(counts, ns_exponent):
    """Negative-sampling distribution: counts raised to ``ns_exponent``, normalised.

    Parameters
    ----------
    counts : array-like of int
        Token counts.
    ns_exponent : float
        Exponent (word2vec uses 0.75; 0 samples uniformly, 1 by frequency).

    Returns
    -------
    ndarray of float64
        Probabilities summing to 1.
    """
    weights = np.asarray(counts, dtype=np.float64) ** ns_exponent
    return weights / weights.sum()


def alias_table(probabilities):
    """Walker's alias table for O(1) sampling from a discrete distribution (Vose's method).

    To draw: pick a column ``i`` uniformly, then return ``i`` with probability
    ``accept[i]`` and ``alias[i]`` otherwise.

    Parameters
    ----------
    probabilities : array-like of float
        A distribution over ``n`` outcomes.

    Returns
    -------
    accept : ndarray of float64, shape (n,)
    alias : ndarray of int32, shape (n,)
    """
    p = np.asarray(probabilities, dtype=np.float64)
    n = len(p)
    scaled = p * (n / p.sum())
    accept = np.ones(n)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        low = small.pop()
        high = large[-1]
        accept[low] = scaled[low]
        alias[low] = high
        scaled[high] -= 1.0 - scaled[low]
        if scaled[high] < 1.0:
            small.append(large.pop())
    # Leftovers are 1 up to rounding error.
    return accept, alias


def huffman_tree(counts):
    """Huffman codes and paths for hierarchical softmax, built as the word2vec C tool does.

    Parameters
    ----------
    counts : array-like of int
        Token counts in non-increasing order (vocabulary order).

    Returns
    -------
    codes : ndarray of uint8, shape (n, max_depth)
        ``codes[w, k]`` is the branch taken at depth ``k`` on the path from the root to
        token ``w`` (0 or 1).
    points : ndarray of int32, shape (n, max_depth)
        ``points[w, k]`` is the inner node at depth ``k`` on that path, in ``0..n-2``
        (the root is ``n - 2``).
    lengths : ndarray of int32, shape (n,)
        Depth of each token; entries past it in ``codes`` and ``points`` are padding (0).
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    if n < 2:
        raise ValueError(f"hierarchical softmax needs at least 2 tokens, got {n}")
    if np.any(np.diff(counts) > 0):
        raise ValueError("counts must be in non-increasing order")
    weight = np.concatenate([counts, np.full(n - 1, np.iinfo(np.int64).max, np.int64)])
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    branch = np.zeros(2 * n - 1, dtype=np.uint8)
    leaf, inner = n - 1, n  # next unmerged leaf (smallest first) and next inner node
    for merged in range(n - 1):
        picks = []
        for _ in range(2):
            if leaf >= 0 and weight[leaf] < weight[inner]:
                picks.append(leaf)
                leaf -= 1
            else:
                picks.append(inner)
                inner += 1
        weight[n + merged] = weight[picks[0]] + weight[picks[1]]
        parent[picks[0]] = parent[picks[1]] = n + merged
        branch[picks[1]] = 1
    root = 2 * n - 2
    paths = []
    for token in range(n):
        bits, nodes = [], []
        node = token
        while node != root:
            bits.append(branch[node])
            node = parent[node]
            nodes.append(node - n)
        paths.append((bits[::-1], nodes[::-1]))
    depth = max(len(bits) for bits, _ in paths)
    codes = np.zeros((n, depth), dtype=np.uint8)
    points = np.zeros((n, depth), dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int32)
    for token, (bits, nodes) in enumerate(paths):
        codes[token, : len(bits)] = bits
        points[token, : len(nodes)] = nodes
        lengths[token] = len(bits)
    return codes, points, lengths

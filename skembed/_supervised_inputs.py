"""The input rows of a supervised fastText model: words, character n-grams, word n-grams.

fastText's classifier represents a document by the mean of the input rows of its words,
of their character n-grams (when ``max_n > 0``) and of its hashed word n-grams (when
``word_ngrams > 1``). Character and word n-grams share one space of ``bucket`` hash
buckets, as in fastText. Only the buckets seen in training get a row of their own. A
bucket first seen at predict time reads one shared row of zeros: fastText would read the
bucket's untrained row, small random values around zero, so the mean is divided by the
same number of rows as fastText's, which keeps a document's vector at the scale training
gave it (measured: leaving those buckets out of the mean instead cost 7 points of accuracy
with pretrained vectors and word bigrams on 1,500 fortunes).

As in fastText, every document ends with an end-of-document token (fastText's ``</s>``),
which has a row of its own and takes part in word n-grams. Being in every document, its
row learns what the classes have in common; measured, it matters when training is short
(fastText's defaults on a small set: 0.181 without it, 0.224 with it).
"""

import numpy as np

from ._kernels._bundles import DocumentInputs
from ._kernels._subword import word_ngram_buckets as _document_word_ngram_buckets
from ._subwords import word_hashes, word_ngram_buckets

_DENSE_BUCKETS = 1 << 23  # up to this many buckets, rows are looked up in one array
END_OF_DOCUMENT = "</s>"  # fastText's end-of-line token: its hash joins word n-grams


def _csr_of_kept(offsets, kept):
    """Return the offsets of a CSR array after only the entries in ``kept`` survive."""
    before = np.zeros(len(kept) + 1, dtype=np.int64)
    np.cumsum(kept, out=before[1:])
    return before[offsets]


class InputLayout:
    """Where the input rows of any document are in the input matrix.

    Rows ``0 .. n_words - 1`` are the vocabulary words, row ``n_words`` is the
    end-of-document token, and row ``n_words + 1 + k`` is hash bucket ``buckets[k]``
    (sorted). Token ids follow the same order: words, the end-of-document token, then the
    unknown tokens of the corpus at hand.

    Parameters
    ----------
    tokens : list of str
        Vocabulary in order.
    corpus : EncodedCorpus
        The training documents: their word n-grams choose buckets too.
    word_ngrams : int
        Longest word n-gram (1: words only).
    min_n, max_n : int
        Character n-gram lengths; ``max_n == 0`` turns them off.
    bucket : int
        Number of hash buckets.
    """

    def __init__(self, tokens, corpus, *, word_ngrams, min_n, max_n, bucket):
        self.n_words = len(tokens)
        self.word_ngrams, self.min_n, self.max_n, self.bucket = (
            int(word_ngrams), int(min_n), int(max_n), int(bucket))
        self.end_of_document = self.n_words
        self.unseen_bucket = self.n_words + 1  # a row of zeros, never trained
        self.hashes = word_hashes([*tokens, END_OF_DOCUMENT])
        char_offsets, char_buckets = self._char_buckets(tokens)
        documents = self._documents(corpus)
        self.buckets = np.unique(np.concatenate([char_buckets, documents[-1]]))
        # The end-of-document token has its own row and no character n-grams.
        char_offsets = np.append(char_offsets, char_offsets[-1])
        self.sub_offsets, self.sub_rows = self._token_rows(
            np.arange(self.n_words + 1, dtype=np.int32), char_offsets, char_buckets)
        # The training documents' inputs, from the work just done: fit takes them once
        # (pop_training_inputs) instead of reading the corpus again.
        self._training_inputs = self._inputs(corpus.unknown_tokens, *documents)

    def pop_training_inputs(self):
        """Return the ``DocumentInputs`` of the training corpus, and forget them."""
        inputs, self._training_inputs = self._training_inputs, None
        return inputs

    @property
    def first_bucket_row(self):
        """Row of the first bucket in use: after the words, end-of-document and zero rows."""
        return self.n_words + 2

    @property
    def n_rows(self):
        """Rows of the input matrix: words, end-of-document, zeros, buckets in use."""
        return self.first_bucket_row + len(self.buckets)

    def _char_buckets(self, words):
        return word_ngram_buckets(list(words), self.min_n, self.max_n, self.bucket)

    def _rows_of(self, buckets):
        """Map bucket ids to input rows (the row of zeros for a bucket not in use)."""
        table = self._bucket_table()
        if table is not None:
            return table[buckets]
        rows = np.full(len(buckets), self.unseen_bucket, dtype=np.int32)
        if len(self.buckets):
            position = np.minimum(np.searchsorted(self.buckets, buckets), len(self.buckets) - 1)
            found = self.buckets[position] == buckets
            rows[found] = self.first_bucket_row + position[found]
        return rows

    def _bucket_table(self):
        """Return the row of every bucket id as one array, or None if ``bucket`` is large.

        One lookup per n-gram instead of a binary search over the buckets in use, which
        misses the caches at every step (a quarter of the time of predicting with word
        bigrams on wordnet_nouns went to it). Built on first use and never pickled (8 MB
        for fastText's 2,000,000 buckets).
        """
        table = getattr(self, "_table", None)
        if table is None and self.bucket <= _DENSE_BUCKETS:
            table = np.full(self.bucket, self.unseen_bucket, dtype=np.int32)
            table[self.buckets] = self.first_bucket_row + np.arange(len(self.buckets))
            self._table = table
        return table

    def __getstate__(self):
        return {name: value for name, value in vars(self).items()
                if name not in ("_table", "_training_inputs")}

    def _token_rows(self, own_rows, char_offsets, char_buckets):
        """CSR of each token's input rows: its own row (if any), then its n-gram rows."""
        rows = self._rows_of(char_buckets)
        has_own = own_rows >= 0
        sizes = np.diff(char_offsets) + has_own
        offsets = np.zeros(len(own_rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        out = np.empty(offsets[-1], dtype=np.int32)
        firsts = offsets[:-1]
        out[firsts[has_own]] = own_rows[has_own]
        is_ngram = np.ones(len(out), dtype=bool)
        is_ngram[firsts[has_own]] = False
        out[is_ngram] = rows
        return offsets, out

    def _tokens(self, corpus):
        """Return the token ids and offsets of each document, ended by end-of-document.

        Known tokens keep their id; the k-th unknown token (coded ``-2 - k``) becomes
        ``n_words + 1 + k``. A ``-1`` token (no text kept: a tokenizer's special token) is
        left out.
        """
        ids = np.asarray(corpus.ids)
        kept = ids != -1
        ends = _csr_of_kept(np.asarray(corpus.offsets), kept)
        # Each document gains one token at its end: document d moves d places right.
        offsets = ends + np.arange(len(ends))
        tokens = np.full(offsets[-1], self.end_of_document, dtype=np.int32)
        known = np.ones(len(tokens), dtype=bool)
        known[offsets[1:] - 1] = False
        tokens[known] = ids[kept]
        unknown = tokens < -1
        tokens[unknown] = self.n_words - 1 - tokens[unknown]
        return tokens, offsets

    def _word_ngram_buckets(self, tokens, offsets, unknown_tokens):
        """Return the word n-gram buckets of each document, as CSR.

        Every token counts, known or not, as in fastText: a phrase of rare words is still
        a phrase.
        """
        if self.word_ngrams < 2:
            return np.zeros(len(offsets), dtype=np.int64), np.zeros(0, dtype=np.int64)
        hashes = np.concatenate([self.hashes, word_hashes(unknown_tokens)])
        return _document_word_ngram_buckets(hashes[tokens], offsets, self.word_ngrams,
                                            self.bucket)

    def encode(self, corpus):
        """Return the ``DocumentInputs`` of an encoded corpus.

        Parameters
        ----------
        corpus : EncodedCorpus
            Documents encoded against the vocabulary (unknown tokens with their text).

        Returns
        -------
        DocumentInputs
        """
        return self._inputs(corpus.unknown_tokens, *self._documents(corpus))

    def _documents(self, corpus):
        """Return the corpus's tokens, offsets and word n-gram buckets (with offsets)."""
        tokens, token_offsets = self._tokens(corpus)
        ngram_offsets, buckets = self._word_ngram_buckets(tokens, token_offsets,
                                                          corpus.unknown_tokens)
        return tokens, token_offsets, ngram_offsets, buckets

    def _inputs(self, unknown_tokens, tokens, token_offsets, ngram_offsets, buckets):
        """Assemble ``DocumentInputs``: the rows of unseen tokens join the token table."""
        sub_offsets, sub_rows = self.sub_offsets, self.sub_rows
        unknown_words = list(unknown_tokens)
        if unknown_words:
            # Unseen tokens have no row of their own, only the n-gram rows in use.
            char_offsets, char_buckets = self._char_buckets(unknown_words)
            extra_offsets, extra_rows = self._token_rows(
                np.full(len(unknown_words), -1, dtype=np.int32), char_offsets, char_buckets)
            sub_offsets = np.concatenate([sub_offsets, sub_offsets[-1] + extra_offsets[1:]])
            sub_rows = np.concatenate([sub_rows, extra_rows])
        return DocumentInputs(tokens, token_offsets, sub_offsets, sub_rows,
                              self._rows_of(buckets), ngram_offsets)

    def evidence(self, inputs):
        """Return how many input rows of each document carry something learned.

        That is every row but the end-of-document row and the zero row of unseen
        buckets: a document with none (empty, or only unseen words) has no evidence.

        Parameters
        ----------
        inputs : DocumentInputs
            From ``encode``.

        Returns
        -------
        ndarray of int64 of shape (n_documents,)
        """
        learned = (inputs.sub_rows != self.unseen_bucket) & (
            inputs.sub_rows != self.end_of_document)
        before = np.concatenate([[0], np.cumsum(learned)])
        per_token = before[inputs.sub_offsets[1:]] - before[inputs.sub_offsets[:-1]]
        token_total = np.concatenate([[0], np.cumsum(per_token[inputs.tokens])])
        ngram_total = np.concatenate([[0], np.cumsum(inputs.ngrams != self.unseen_bucket)])
        return (np.diff(token_total[inputs.token_offsets])
                + np.diff(ngram_total[inputs.ngram_offsets]))

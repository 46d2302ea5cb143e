"""Shared base class: the fit skeleton, document encoding, tags and feature names.

Every skembed estimator reads text the same way: check the input, build or train the
tokenizer, count tokens into a vocabulary and encode the corpus as flat id arrays. A
subclass adds what it learns from that encoded corpus in ``_fit_encoded``, turns an
encoded corpus into output in ``_transform_encoded``, and says how many of the most
frequent tokens it keeps in ``_max_vocabulary``.
"""

import logging
import os
import time
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, StrOptions, fit_context
from ._kernels._corpus import add_counts
from ._kernels._pooling import (
    MAX,
    SIF,
    WEIGHTED_MEAN,
    WEIGHTED_SUM,
    document_frequencies,
    pool_documents,
)
from ._threads import resolve_n_jobs
from ._tokenize import (
    BUILTIN_TOKENIZERS,
    DocumentAnalyzer,
    _check_collection,
    analyze,
    is_hf_tokenizer,
    iter_documents,
    make_tokenizer,
    needs_training,
    special_tokens,
    training_texts,
)
from ._vectors import HasKeyedVectors, Vectors, load_vector_source, matching_rows
from ._vocab import Vocabulary, VocabularyBuilder, encode


@dataclass(frozen=True)
class _PretrainedVocabulary(Vocabulary):
    """The vocabulary of pretrained vectors used as they are, with the vectors."""

    vectors: Vectors = None


class _TokenizerName(StrOptions):
    """The ``tokenizer`` parameter as a name: a built-in tokenizer or a tokenizer file.

    One constraint for both, so that scikit-learn's constraints stay disjoint: with
    ``StrOptions`` and ``str`` side by side, a misspelt name such as ``"bpee"`` would pass
    as a str and fail only later, and ``check_param_validation`` could not test it.
    """

    def __init__(self):
        super().__init__(set(BUILTIN_TOKENIZERS))

    def is_satisfied_by(self, val):
        if isinstance(val, str) and val in BUILTIN_TOKENIZERS:
            return True
        return isinstance(val, (str, os.PathLike)) and os.path.isfile(val)

    def __str__(self):
        names = ", ".join(repr(name) for name in BUILTIN_TOKENIZERS)
        return f"a str among {{{names}}}, the path of an existing tokenizer.json file"


class _BaseTextEstimator(TransformerMixin, BaseEstimator):
    """Base class for estimators that learn a token vocabulary from raw documents.

    Subclasses implement ``_fit_encoded(vocabulary, corpus, tokenizer_)``, returning a dict of the
    fitted attributes they add, and ``_transform_encoded(corpus)``, and may override
    ``_max_vocabulary()``. ``fit``, ``fit_transform`` and ``transform`` live here.
    """

    _parameter_constraints = {
        "input": [StrOptions({"content", "tokens", "filename"})],
        "encoding": [str],
        "tokenizer": [
            _TokenizerName(),
            HasMethods(["encode_batch", "get_vocab"]),
            callable,
        ],
        "lowercase": ["boolean"],
        "subword_vocab_size": [Interval(Integral, 2, None, closed="left")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    # ------------------------------------------------------------------ fitting

    @fit_context
    def fit(self, X, y=None):
        """Learn the tokenizer and vocabulary (and the model, for embeddings) from X.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents as set by ``input``: raw text (``"content"``), lists of tokens
            (``"tokens"``) or text files with one document per line (``"filename"``).
            A one-shot generator is fine: it is read once.
        y : None
            Ignored; present for scikit-learn API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit_and_encode(X)
        return self

    @fit_context
    def fit_transform(self, X, y=None):
        """Fit to X and return its transformed version, reading X only once.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.
        y : None
            Ignored; present for scikit-learn API consistency.

        Returns
        -------
        X_new : array or sparse matrix of shape (n_documents, n_features)
            One row per document, as ``transform`` gives.
        """
        corpus = self._fit_and_encode(X)
        try:
            return self._transform_encoded(corpus)
        except BaseException:
            self._clear_fitted()
            raise

    def _fit_and_encode(self, X, **targets):
        """Fit, set the fitted attributes all at once, and return the encoded corpus.

        ``targets`` (a supervised estimator's labels and weights) go to ``_fit_encoded``.

        Parameters are validated by ``fit_context`` around ``fit`` and ``fit_transform``
        (unless ``sklearn.set_config(skip_parameter_validation=True)`` says not to).
        """
        try:
            # Refuse a bare str, a set or a mapping before anything is read or loaded
            # (with input="filename" the paths are copied to a list before they are read).
            _check_collection(X, self.input)
            vocabulary, corpus, tokenizer_ = self._fit_vocabulary(X)
            fitted = {
                "tokenizer_": tokenizer_,
                "vocabulary_": vocabulary.index(),
                "counts_": vocabulary.counts,
            }
            fitted.update(self._fit_encoded(vocabulary, corpus, tokenizer_, **targets))
        except BaseException:
            # A failed (or interrupted) fit leaves an unfitted estimator, never a mix of
            # old and new attributes.
            self._clear_fitted()
            raise
        self._clear_fitted()
        for name, value in fitted.items():
            setattr(self, name, value)
        return corpus

    def _clear_fitted(self):
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)

    def _fast_tokenizer(self, tokenizer_):
        """Return the tokenizer that ``fit`` keeps: ``tokenizer_``, or a faster equivalent."""
        return tokenizer_

    def _pretrained_vectors(self):
        """Load (or convert) the ``pretrained`` vectors and check they fit the parameters."""
        self._check_tokenizer_for_vectors()
        vectors = load_vector_source(self.pretrained, what="pretrained")
        if self.vector_size is not None and vectors.vector_size != self.vector_size:
            raise ValueError(
                f"vector_size={self.vector_size} but the pretrained vectors have "
                f"{vectors.vector_size} dimensions; set vector_size={vectors.vector_size} "
                "or leave it None to take the pretrained dimension"
            )
        return vectors

    def _pretrained_rows(self, vocabulary):
        """Vocabulary rows that pretrained vectors cover, and those vectors (for training).

        The dimension of ``values`` is the vectors' (or ``vector_size``, or 100 without
        pretrained vectors).

        Returns
        -------
        rows : ndarray of int64
            Rows of the vocabulary found in the pretrained vectors.
        values : ndarray of float32, shape (len(rows), vector_size)
            Their pretrained vectors.
        """
        if self.pretrained is None:
            dim = _DEFAULT_VECTOR_SIZE if self.vector_size is None else self.vector_size
            return np.zeros(0, dtype=np.int64), np.zeros((0, dim), np.float32)
        return matching_rows(self._pretrained_vectors(), vocabulary.tokens)

    def _check_tokenizer_for_vectors(self):
        if needs_training(self.tokenizer):
            raise ValueError(
                f"tokenizer={self.tokenizer!r} would train a new subword vocabulary in fit, "
                "whose tokens cannot match pretrained vectors; use tokenizer='word', a "
                "callable, or the tokenizer the vectors were trained with"
            )

    def _max_vocabulary(self):
        """How many of the most frequent tokens to keep (None keeps all)."""
        return None

    def _fit_encoded(self, vocabulary, corpus, tokenizer_):
        """Learn from the encoded corpus (unknown tokens as -1); return fitted attributes."""
        return {}

    def _transform_encoded(self, corpus):
        """Turn an encoded corpus into the output matrix."""
        raise NotImplementedError

    def transform(self, X):
        """Turn each document of X into one row.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as for ``fit``.

        Returns
        -------
        X_new : array or sparse matrix of shape (n_documents, n_features)
            One row per document.
        """
        return self._transform_encoded(self._encode_documents(X))

    def _fit_vocabulary(self, X, *, tokenizer=None):
        """Read X once: build the tokenizer, count tokens and encode the corpus.

        ``tokenizer``, when given, stands for the ``tokenizer`` parameter (a subclass that
        resolves the parameter's None passes what it chose).
        """
        if tokenizer is None:
            tokenizer = self.tokenizer
        if self.input == "filename" and not isinstance(X, (str, bytes)):
            X = list(X)  # file names are read twice when a subword model is trained
        docs = iter_documents(X, self.input, self.encoding)
        texts = None
        if needs_training(tokenizer):
            if self.input != "filename":
                docs = list(docs)
            texts = training_texts(docs, self.input)
        tokenizer_ = make_tokenizer(
            tokenizer,
            lowercase=self.lowercase,
            input=self.input,
            texts=texts,
            subword_vocab_size=self.subword_vocab_size,
        )
        builder = VocabularyBuilder(
            max_vocab_size=self.max_vocab_size, exclude=special_tokens(tokenizer_)
        )
        tokenizer_ = self._fast_tokenizer(tokenizer_)
        if self.input == "filename":
            # The counting pass (the second read when a subword model was trained) reports
            # each file as it finishes: large corpora take a while.
            docs = iter_documents(X, self.input, self.encoding,
                                  on_file_end=self._file_progress(X, builder))
        for tokens in analyze(tokenizer_, docs, input=self.input, lowercase=self.lowercase):
            builder.add(tokens)
        vocabulary, corpus = builder.finish(
            min_count=self.min_count, max_size=self._max_vocabulary()
        )
        if len(vocabulary) == 0:
            raise ValueError(self._empty_vocabulary_message(builder, corpus.n_documents))
        return vocabulary, corpus, tokenizer_

    def _report(self, message, echo=True):
        """Log a progress message, and print it when ``verbose > 0`` and ``echo`` is True.

        ``echo=False`` is for messages a progress bar already shows.
        """
        logging.getLogger(type(self).__module__).info("%s", message)
        if getattr(self, "verbose", 0) > 0 and echo:
            print(f"[{type(self).__name__}] {message}", flush=True)

    def _file_progress(self, paths, builder):
        """Return an ``on_file_end`` callback that reports the tokens counted so far."""
        start = time.perf_counter()

        def report(position, path):
            self._report(f"read file {position + 1}/{len(paths)} "
                         f"({os.path.basename(os.fspath(path))}): "
                         f"{builder.n_tokens_seen:,} tokens so far, "
                         f"{time.perf_counter() - start:.1f} s")

        return report

    def _empty_vocabulary_message(self, builder, n_documents):
        if n_documents == 0:
            return "X contains no documents; fit needs at least one"
        if builder.n_tokens_seen == 0:
            return (
                f"the {n_documents} documents contain no tokens for tokenizer="
                f"{self.tokenizer!r}; there is nothing to build a vocabulary from"
            )
        token, count = builder.most_frequent()
        pruned = (
            f" after max_vocab_size={self.max_vocab_size} had forgotten {builder.n_pruned} "
            "rare tokens while counting"
            if builder.n_pruned
            else ""
        )
        return (
            f"the vocabulary is empty: min_count={self.min_count} removed every token{pruned} "
            f"(the most frequent, {token!r}, occurs {count} times); lower min_count"
            + (" or raise max_vocab_size" if builder.n_pruned else "")
        )

    # ---------------------------------------------------------------- transform

    def _encode_documents(self, X, on_unknown=None):
        """Tokenize X with the fitted tokenizer and map tokens to ids (-1 if unknown)."""
        check_is_fitted(self)
        docs = iter_documents(X, self.input, self.encoding)
        token_docs = analyze(self.tokenizer_, docs, input=self.input, lowercase=self.lowercase)
        return encode(token_docs, self.vocabulary_, on_unknown=on_unknown)

    def build_analyzer(self):
        """Return the callable that splits one document into its vocabulary tokens.

        For a trained subword tokenizer the estimator must be fitted first.

        Returns
        -------
        analyzer : callable
            Maps one document (a str, or a list of str with ``input="tokens"``) to a list
            of token strings.
        """
        if needs_training(self.tokenizer):
            check_is_fitted(self)
        tokenizer_ = getattr(self, "tokenizer_", None)
        if tokenizer_ is None:
            tokenizer_ = make_tokenizer(self.tokenizer, lowercase=self.lowercase, input=self.input)
        input_kind = "tokens" if self.input == "tokens" else "content"
        return DocumentAnalyzer(tokenizer_, input=input_kind, lowercase=self.lowercase)

    def _feature_tokens(self):
        """Vocabulary tokens in id order."""
        tokens = [None] * len(self.vocabulary_)
        for token, i in self.vocabulary_.items():
            tokens[i] = token
        return tokens

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


_DEFAULT_VECTOR_SIZE = 100  # when neither vector_size nor pretrained vectors set it
_POOLING_SLICE = 8192  # documents pooled at a time when fitting the SIF component
_POOLING_MODES = {"mean": WEIGHTED_MEAN, "sum": WEIGHTED_SUM, "max": MAX, "tfidf": WEIGHTED_MEAN,
                  "sif": SIF}


class _BaseEmbedding(ClassNamePrefixFeaturesOutMixin, _BaseTextEstimator):
    """Base class for dense embeddings: trains token vectors, pools them per document.

    Subclasses implement ``_train(vocabulary, corpus, seeds)``, which gets the encoded
    training corpus without unknown tokens and returns ``(matrix, fitted)``: the token
    vectors in vocabulary order and a dict of extra fitted attributes.

    Pooling statistics (IDF weights, SIF weights and the SIF common component) are fitted
    on the training documents for every ``pooling``, so changing ``pooling`` with
    ``set_params`` after ``fit`` needs no refit.
    """

    _parameter_constraints = {
        **_BaseTextEstimator._parameter_constraints,
        "pooling": [StrOptions(set(_POOLING_MODES))],
        "norm": [StrOptions({"l2"}), None],
        "sif_smoothing": [Interval(Real, 0, None, closed="neither")],
        "pretrained": [str, os.PathLike, Vectors, HasKeyedVectors(), None],
        "fine_tune": ["boolean"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Several training threads update shared weights without locks (Hogwild).
        tags.non_deterministic = resolve_n_jobs(getattr(self, "n_jobs", None)) > 1
        return tags

    # ------------------------------------------------------- pretrained vectors

    def _frozen(self):
        """Tell whether pretrained vectors are used as they are (no training)."""
        return self.pretrained is not None and not self.fine_tune

    def _frozen_tokenizer(self, vectors):
        """Return the fitted tokenizer that splits X for frozen ``vectors``."""
        return make_tokenizer(self.tokenizer, lowercase=self.lowercase, input=self.input)

    def _frozen_attributes(self, vectors):
        """Return the fitted attributes that say no training happened (frozen vectors)."""
        return {"n_iter_": 0, "n_pretrained_": len(vectors)}

    def _fit_vocabulary(self, X):
        if not self._frozen():
            return super()._fit_vocabulary(X)
        # Frozen: the vocabulary is the pretrained one; X only gives counts and pooling
        # statistics.
        pretrained = self._pretrained_vectors()
        tokenizer_ = self._frozen_tokenizer(pretrained)
        docs = iter_documents(X, self.input, self.encoding)
        token_docs = analyze(tokenizer_, docs, input=self.input, lowercase=self.lowercase)
        corpus = encode(token_docs, pretrained.index)
        counts = np.zeros(len(pretrained), dtype=np.int64)
        add_counts(corpus.ids, counts)
        if corpus.n_documents == 0:
            raise ValueError("X contains no documents; fit needs at least one")
        if counts.sum() == 0 and len(corpus.ids):
            raise ValueError(
                f"none of the {len(corpus.ids)} tokens of X is in the pretrained vocabulary "
                f"({len(pretrained)} tokens, for example {pretrained.tokens[:3]}); check "
                "lowercase and tokenizer"
            )
        vocabulary = _PretrainedVocabulary(tokens=pretrained.tokens, counts=counts,
                                           vectors=pretrained)
        return vocabulary, corpus, tokenizer_

    # ------------------------------------------------------------------ fitting

    def _fit_encoded(self, vocabulary, corpus, tokenizer_):
        if self._frozen():
            vectors = vocabulary.vectors
            fitted = self._frozen_attributes(vectors)
        else:
            matrix, fitted = self._train(vocabulary, corpus.known())
            analyzer = None
            if is_hf_tokenizer(tokenizer_):
                analyzer = DocumentAnalyzer(tokenizer_, lowercase=self.lowercase)
            vectors = self._make_vectors(vocabulary, matrix, analyzer, fitted)
        fitted.update(self._fit_pooling(vectors, corpus, vocabulary.counts))
        fitted["vectors_"] = vectors
        return fitted

    @property
    def _n_features_out(self):
        # Read from the fitted vectors, so that a failed refit (which removes them)
        # leaves no feature names behind; AttributeError before fit, as hasattr expects.
        return self.vectors_.vector_size

    def _make_vectors(self, vocabulary, matrix, analyzer, fitted):
        """Wrap the trained token vectors (subclasses may add to them from ``fitted``)."""
        return Vectors(vocabulary.tokens, matrix, vocabulary.counts, analyzer=analyzer)

    def _fit_pooling(self, vectors, corpus, counts):
        n_documents = corpus.n_documents
        document_frequency = document_frequencies(corpus.ids, corpus.offsets, len(vectors))
        # scikit-learn's smoothed IDF: as if one extra document held every token once.
        idf = np.log((1.0 + n_documents) / (1.0 + document_frequency)) + 1.0
        frequency = counts / max(int(counts.sum()), 1)
        sif_weights = (self.sif_smoothing / (self.sif_smoothing + frequency)).astype(np.float32)
        # The common component is the top right singular vector of the pooled training
        # documents (uncentred, as in Arora et al.): the top eigenvector of their Gram
        # matrix, accumulated over slices of documents to keep memory small.
        gram = np.zeros((vectors.vector_size, vectors.vector_size))
        for start in range(0, n_documents, _POOLING_SLICE):
            offsets = corpus.offsets[start : start + _POOLING_SLICE + 1]
            pooled = np.zeros((len(offsets) - 1, vectors.vector_size), dtype=np.float64)
            pool_documents(vectors.vectors, corpus.ids, offsets, sif_weights, SIF, pooled)
            gram += pooled.T @ pooled
        eigenvalues, eigenvectors = np.linalg.eigh(gram)
        component = eigenvectors[:, -1] if eigenvalues[-1] > 0 else np.zeros(len(gram))
        return {
            "idf_": idf.astype(np.float32),
            "n_training_documents_": n_documents,
            "sif_weights_": sif_weights,
            "sif_component_": component.astype(np.float32),
        }

    def _pool(self, corpus, vectors):
        """Pool rows of ``vectors`` per document.

        Rows past the vocabulary are extra vectors for unseen tokens (fastText), weighted
        as a token never seen in training.
        """
        check_is_fitted(self)
        n_extra = len(vectors) - len(self.vocabulary_)
        if self.pooling == "tfidf":
            # An unseen token has document frequency 0: the largest smoothed IDF.
            unseen = np.log(1.0 + self.n_training_documents_) + 1.0
            weights = np.append(self.idf_, np.full(n_extra, unseen, dtype=np.float32))
        elif self.pooling == "sif":
            weights = np.append(self.sif_weights_, np.ones(n_extra, dtype=np.float32))
        else:
            weights = np.ones(len(vectors), dtype=np.float32)
        out = np.zeros((corpus.n_documents, vectors.shape[1]), dtype=np.float32)
        pool_documents(vectors, corpus.ids, corpus.offsets, weights,
                       _POOLING_MODES[self.pooling], out)
        if self.pooling == "sif":
            # In float64: BLAS adds up a batch's projections in another order than one
            # document's, and the removal can cancel most of a row, so float32 sums made a
            # row differ by its batch (1.7e-6 relative seen in CI); now by an ulp at most.
            component = self.sif_component_.astype(np.float64)
            out -= np.outer(out @ component, component)
        if self.norm == "l2":
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return out

    def _resolve(self, corpus):
        """Return the vector table and the ids to pool with it (negative ids: no vector).

        Word vectors are the table and known ids index it. Vectors that can build a
        vector for an unseen token (fastText's, from its n-grams: ``oov_vectors``) extend
        both: each unseen token with a vector gets a row past the vocabulary.
        """
        vectors = self.vectors_
        ids = corpus.ids
        if not corpus.unknown_tokens or not hasattr(vectors, "oov_vectors"):
            return vectors.vectors, ids
        extra, known = vectors.oov_vectors(corpus.unknown_tokens)
        new_rows = np.where(known, len(vectors) + np.arange(len(known)), -1).astype(np.int32)
        resolved = ids.copy()
        coded = ids <= -2  # the k-th distinct unknown token is coded -2 - k
        resolved[coded] = new_rows[-2 - ids[coded]]
        return np.vstack([vectors.vectors, extra]), resolved

    def _transform_encoded(self, corpus):
        table, ids = self._resolve(corpus)
        return self._pool(type(corpus)(ids=ids, offsets=corpus.offsets), table)

    def unknown_token_rate(self, X, per_document=False):
        """Return the fraction of the tokens of X that have no vector (so are left out).

        That is tokens outside the vocabulary; for fastText, unseen tokens with no known
        n-gram.

        Parameters
        ----------
        X : iterable of str, iterable of list of str, or iterable of paths
            Documents, as set by ``input``.
        per_document : bool, default=False
            Return one fraction per document (0 for an empty document) instead of the
            fraction over all tokens.

        Returns
        -------
        float or ndarray of float64 of shape (n_documents,)
            The fraction over all tokens of X (0 when X has no token), or one fraction per
            document with ``per_document=True``.
        """
        corpus = self._encode_documents(X)
        _, ids = self._resolve(corpus)
        unknown = (ids < 0).astype(np.float64)
        if not per_document:
            return float(unknown.mean()) if len(unknown) else 0.0
        before = np.concatenate([[0.0], np.cumsum(unknown)])
        totals = before[corpus.offsets[1:]] - before[corpus.offsets[:-1]]
        lengths = corpus.lengths
        rates = np.zeros(corpus.n_documents)
        np.divide(totals, lengths, out=rates, where=lengths > 0)
        return rates

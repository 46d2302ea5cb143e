"""Document input, tokenizers and analyzers shared by every estimator.

Three layers, each usable alone:

* ``iter_documents`` checks what the user passed and yields documents one at a time
  (raw strings, token lists, or the lines of text files), failing with an error that names
  the offending document.
* ``make_tokenizer`` turns the ``tokenizer`` parameter into the fitted ``tokenizer_``
  (the word splitter, a trained or given Hugging Face ``tokenizers.Tokenizer``, or the
  user's callable).
* ``analyze`` runs a fitted tokenizer over documents and yields one list of token
  strings per document. Estimators map those strings to their own vocabulary ids; they
  never use a subword tokenizer's ids, which are not stable across retraining.

A subword trainer sees at most the first ``MAX_TRAINING_WORD`` (100) characters of a word:
nothing longer is a word, and the trainers of the ``tokenizers`` package take time
super-linear in such strings.
"""

import json
import math
import os
import re
import threading
from collections.abc import Mapping
from itertools import islice

import numpy as np

from ._files import iter_lines
from ._wordpiece import CachedWordPiece

# Runs of letters and digits with inner apostrophes: "don't" stays whole, "do_it" splits.
WORD_PATTERN = r"[^\W_]+(?:['\u2019][^\W_]+)*"
# The same tokens for ASCII text without a regular expression: every byte but a letter, a
# digit or an apostrophe becomes a space, and the text splits on spaces.
_ASCII_SEPARATORS = bytes(
    byte if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) == "'") else 32
    for byte in range(256)
)
SUBWORD_KINDS = ("bpe", "wordpiece", "unigram")
BUILTIN_TOKENIZERS = ("word", *SUBWORD_KINDS)
UNKNOWN_TOKEN = "[UNK]"
_WORD_START = "\u2581"  # Metaspace's word-start marker
_BATCH_SIZE = 2048
# Checking a document's tokens by the set of their types runs at C speed; token by token
# in Python it took 0.15 s of the 0.9 s vocabulary pass over the shared corpus's tokens.
_ONLY_STR = frozenset({str})
_UNIGRAM_SCORE_DECIMALS = 6
# Longest word (in characters) a subword trainer sees; longer ones are cut to this length.
# Nothing that long is a word, and the trainers slow down badly on such strings.
MAX_TRAINING_WORD = 100
# A run of non-space characters that may hold a word longer than MAX_TRAINING_WORD.
_LONG_RUN = re.compile(rf"\S{{{MAX_TRAINING_WORD + 1},}}")


# The tokenizers package encodes batches on a thread pool, which a forked child cannot use.
# When the pool has run and TOKENIZERS_PARALLELISM is unset, tokenizers turns parallelism
# off in the child and prints a warning about it in every forked worker. So for the
# moment of a fork, and only when the user has not chosen, set it to "false": the child
# starts with parallelism off (no deadlock, no warning) and the parent keeps its pool
# (its other threads can see the variable set for the duration of the fork call itself).
# The hooks are registered when skembed first hands work to a tokenizers object (training
# or encoding, the calls that start the pool), not at import: a process that never uses
# one never has its forks touched.
_PARALLELISM = "TOKENIZERS_PARALLELISM"
_fork_lock = threading.Lock()  # one fork at a time sets and restores the variable
_set_for_fork = False
_registration_lock = threading.Lock()
_fork_hooks_registered = False


def _before_fork():
    global _set_for_fork
    _fork_lock.acquire()
    if _PARALLELISM not in os.environ:
        os.environ[_PARALLELISM] = "false"
        _set_for_fork = True


def _after_fork_in_parent():
    global _set_for_fork
    # Restore only what was set here, and only if nobody changed it meanwhile.
    if _set_for_fork and os.environ.get(_PARALLELISM) == "false":
        del os.environ[_PARALLELISM]
    _set_for_fork = False
    _fork_lock.release()


def _after_fork_in_child():
    global _fork_lock, _set_for_fork
    _set_for_fork = False  # the child keeps "false": its copy of the pool has no threads
    _fork_lock = threading.Lock()


def _register_fork_hooks():
    """Register the fork hooks above, once per process, before tokenizers' pool first runs."""
    global _fork_hooks_registered
    if _fork_hooks_registered or not hasattr(os, "register_at_fork"):
        return
    with _registration_lock:
        if not _fork_hooks_registered:
            os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                                after_in_child=_after_fork_in_child)
            _fork_hooks_registered = True


class WordTokenizer:
    """Split text into word tokens with a Unicode-aware regular expression.

    A token is a run of letters and digits, optionally joined by inner apostrophes
    (``don't``, ``o'clock``). Underscores and punctuation separate tokens.

    Parameters
    ----------
    lowercase : bool, default=True
        Lowercase the text before splitting it.
    """

    def __init__(self, lowercase=True):
        self.lowercase = lowercase
        self._regex = re.compile(WORD_PATTERN)

    def __call__(self, text):
        """Return the tokens of one text as a list of str."""
        if self.lowercase:
            text = text.lower()
        if not text.isascii():
            return self._regex.findall(text)
        # ASCII (most text): split on a byte table, a third faster than the expression.
        # Only pieces holding an apostrophe need it, to keep "don't" whole but not "'x".
        pieces = text.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
        if "'" not in text:
            return pieces
        tokens = []
        for piece in pieces:
            if "'" in piece:
                tokens.extend(self._regex.findall(piece))
            else:
                tokens.append(piece)
        return tokens

    def __repr__(self):
        return f"WordTokenizer(lowercase={self.lowercase})"

    def __eq__(self, other):
        return type(other) is WordTokenizer and other.lowercase == self.lowercase

    def __hash__(self):
        return hash((WordTokenizer, self.lowercase))

    def __getstate__(self):
        return {"lowercase": self.lowercase}

    def __setstate__(self, state):
        self.__init__(**state)


# --------------------------------------------------------------------------- input


def _describe(obj):
    """Name the type of a rejected document, calling missing values what they are."""
    if obj is None:
        return "None"
    if isinstance(obj, float) and math.isnan(obj):
        return "a missing value (float NaN)"
    name = type(obj).__name__
    if name in ("NAType", "NaTType"):
        return f"a missing value ({name})"
    return f"of type {type(obj).__module__}.{name}".replace("builtins.", "")


def _check_collection(X, input):
    if isinstance(X, (str, bytes)):
        raise ValueError(
            "an iterable over raw text documents was expected, got a single "
            f"{type(X).__name__}; wrap it in a list: [doc]"
        )
    if isinstance(X, (set, frozenset)):
        raise TypeError(
            f"an ordered iterable of documents was expected, got a {type(X).__name__}, which "
            "has no order: the documents would be read in hash order, which changes from "
            "one run to the next; pass a list, for example sorted(X)"
        )
    if isinstance(X, Mapping):
        raise TypeError(
            f"an iterable over documents was expected, got a mapping ({type(X).__name__}), "
            "whose iteration gives its keys, not its values; pass X.values() or "
            "list(X.values()) to use the values as documents"
        )
    ndim = getattr(X, "ndim", None)
    if ndim is not None and ndim != 1 and input != "tokens":
        raise ValueError(
            "an iterable over raw text documents was expected, got a "
            f"{ndim}-dimensional {type(X).__name__} of shape {getattr(X, 'shape', '?')}; "
            "pass one column of text"
        )
    if not hasattr(X, "__iter__"):
        raise TypeError(
            "an iterable over raw text documents was expected, got "
            f"{type(X).__name__}"
        )


def iter_documents(X, input="content", encoding="utf-8", on_file_end=None):
    """Yield the documents of ``X`` one at a time, checking each.

    Parameters
    ----------
    X : iterable
        With ``input="content"``, documents as str (a list, tuple, NumPy array, pandas
        Series or a one-shot generator). With ``input="tokens"``, documents already split
        into tokens (each a list or tuple of str). With ``input="filename"``, paths of
        text files holding one document per line, plain or compressed with gzip, bzip2
        or xz (told by their first bytes, whatever their names); they are streamed,
        never read whole.
    input : {"content", "tokens", "filename"}, default="content"
        What the items of ``X`` are.
    encoding : str, default="utf-8"
        Encoding of the files read with ``input="filename"``. Any encoding Python knows;
        in those that do not write ASCII as single bytes (UTF-16, UTF-32) the text is
        decoded before it is split into lines.
    on_file_end : callable or None, default=None
        With ``input="filename"``, called as ``on_file_end(position, path)`` once the
        documents of a file have all been consumed (for progress reports).

    Yields
    ------
    str or list of str
        One document.

    Raises
    ------
    ValueError
        If ``X`` is a single string or a 2-D array, a file line cannot be decoded, or a
        compressed file is corrupt or truncated (the message names the file).
    TypeError
        If ``X`` is a set (it has no order) or a mapping (it would give its keys), or if a
        document is None, a missing value or not of the expected type; the message gives
        the document's position in ``X``.
    """
    _check_collection(X, input)
    if input == "filename":
        for position, path in enumerate(X):
            if not isinstance(path, (str, os.PathLike)):
                raise TypeError(
                    f"with input='filename' every item must be a file path; item {position} "
                    f"is {_describe(path)}"
                )
            yield from iter_lines(path, encoding)
            if on_file_end is not None:
                on_file_end(position, path)
    elif input == "tokens":
        for position, doc in enumerate(X):
            if isinstance(doc, str) or not isinstance(doc, (list, tuple, np.ndarray)):
                raise TypeError(
                    f"with input='tokens' every document must be a list of str tokens; "
                    f"document {position} is {_describe(doc)}"
                )
            if not _ONLY_STR.issuperset(map(type, doc)):  # a str subclass, or a culprit
                for offset, token in enumerate(doc):
                    if not isinstance(token, str):
                        raise TypeError(
                            f"document {position}, token {offset} is {_describe(token)}; "
                            "tokens must be str"
                        )
            yield list(doc)
    else:
        for position, doc in enumerate(X):
            if not isinstance(doc, str):
                hint = (
                    "; pass input='tokens' for pre-tokenized documents"
                    if isinstance(doc, (list, tuple))
                    else ""
                )
                raise TypeError(
                    f"document {position} is {_describe(doc)}; every document must be a "
                    f"str{hint}"
                )
            yield doc


# ---------------------------------------------------------------------- tokenizers


def _word_pre_tokenizer():
    from tokenizers import Regex, pre_tokenizers

    # Keep the regex matches, drop what lies between them: the same words "word" finds.
    return pre_tokenizers.Split(Regex(WORD_PATTERN), behavior="removed", invert=True)


def _normalizer(lowercase):
    from tokenizers import normalizers

    steps = [normalizers.NFKC()] + ([normalizers.Lowercase()] if lowercase else [])
    return normalizers.Sequence(steps)


def _train_bpe(texts, vocab_size, lowercase):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token=UNKNOWN_TOKEN))
    tokenizer.normalizer = _normalizer(lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [_word_pre_tokenizer(), pre_tokenizers.Metaspace()]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[UNKNOWN_TOKEN], show_progress=False
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


def _wordpiece_from_bpe(bpe, lowercase):
    """Turn a BPE vocabulary with word-start markers into a WordPiece tokenizer.

    A piece that starts a word drops its marker; any other piece gets the ``##``
    continuation prefix. Every single character is added in both forms, so no word
    becomes ``[UNK]`` for want of a letter seen in training.
    """
    from tokenizers import Tokenizer, models

    pieces = [UNKNOWN_TOKEN]
    characters = set()
    for token, _ in sorted(bpe.get_vocab().items(), key=lambda item: item[1]):
        if token == UNKNOWN_TOKEN or token == _WORD_START:
            continue
        if token.startswith(_WORD_START):
            pieces.append(token[1:])
        else:
            pieces.append("##" + token)
        characters.update(token.replace(_WORD_START, ""))
    for character in sorted(characters):
        pieces += [character, "##" + character]
    vocab = {}
    for piece in pieces:
        vocab.setdefault(piece, len(vocab))
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token=UNKNOWN_TOKEN))
    tokenizer.add_special_tokens([UNKNOWN_TOKEN])
    tokenizer.normalizer = _normalizer(lowercase)
    tokenizer.pre_tokenizer = _word_pre_tokenizer()
    return tokenizer


def _cap_long_words(texts, lowercase):
    """Yield the texts with every word longer than MAX_TRAINING_WORD cut to that length.

    The ``tokenizers`` trainers take time super-linear in the length of a word (BPE about
    quadratic: a minute and a half for one 300,000-character token) or in the number of
    distinct substrings it holds (Unigram), so a single base64 blob or DNA string in a
    corpus could stall ``fit``. Cut to its first ``MAX_TRAINING_WORD`` characters, such a
    string costs no more than an ordinary word. The words are those the trainer itself
    will see (the tokenizer's own normalizer and word splitter, whose letters include
    combining marks), and a text with no run of more than ``MAX_TRAINING_WORD``
    non-space characters passes through unchanged, so the trained tokenizer is the same
    on ordinary text.
    """
    normalizer = splitter = None
    for text in texts:
        if len(text) <= MAX_TRAINING_WORD or not _LONG_RUN.search(text):
            yield text
            continue
        if splitter is None:
            normalizer, splitter = _normalizer(lowercase), _word_pre_tokenizer()
        # The trainer normalizes and splits again; both give the same words a second time.
        words = splitter.pre_tokenize_str(normalizer.normalize_str(text))
        yield " ".join(word[:MAX_TRAINING_WORD] for word, _ in words)


def train_subword_tokenizer(kind, texts, *, vocab_size, lowercase):
    """Train a Hugging Face subword tokenizer on texts, deterministically.

    Words are first found with the same regular expression as the ``"word"`` tokenizer,
    then split into subwords. BPE and Unigram mark word-initial pieces with ``\u2581``
    (as SentencePiece does); WordPiece marks word-inner pieces with ``##``.

    The ``tokenizers`` package's own BPE and WordPiece trainers break ties between
    equally frequent merges in hash-map order when a continuation prefix is used, so two
    trainings on the same text can differ. Marking word starts instead keeps BPE training
    deterministic, and the WordPiece vocabulary is derived from that BPE vocabulary (the
    package's WordPiece trainer is BPE training too), which keeps it deterministic as well.

    A word longer than ``MAX_TRAINING_WORD`` (100) characters is cut to its first 100 for
    training, so training time stays linear in the size of the texts; encoding with the
    trained tokenizer still reads every character.

    Parameters
    ----------
    kind : {"bpe", "wordpiece", "unigram"}
        The subword model.
    texts : iterable of str
        Training texts.
    vocab_size : int
        Target size of the subword vocabulary (special tokens included). WordPiece adds
        the word-initial and word-inner form of every character seen, so it can exceed it.
    lowercase : bool
        Lowercase text in the tokenizer's normalizer.

    Returns
    -------
    tokenizers.Tokenizer
        The trained tokenizer, with ``[UNK]`` as its only special token.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    _register_fork_hooks()  # the trainers run on tokenizers' thread pool
    texts = _cap_long_words(texts, lowercase)
    if kind == "bpe":
        return _train_bpe(texts, vocab_size, lowercase)
    if kind == "wordpiece":
        return _wordpiece_from_bpe(_train_bpe(texts, vocab_size, lowercase), lowercase)
    if kind != "unigram":  # pragma: no cover - guarded by parameter validation
        raise ValueError(f"unknown subword tokenizer {kind!r}")
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = _normalizer(lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [_word_pre_tokenizer(), pre_tokenizers.Metaspace()]
    )
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size,
        special_tokens=[UNKNOWN_TOKEN],
        unk_token=UNKNOWN_TOKEN,
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    # The trainer sums floats and orders equal scores in hash-map order, so scores wobble
    # in their last bits and ties swap places from run to run; rounding the scores and
    # sorting the pieces makes the model reproducible.
    state = json.loads(tokenizer.model.__getstate__())
    unknown = state["vocab"][state["unk_id"]][0]
    pieces = sorted(
        ((piece, round(score, _UNIGRAM_SCORE_DECIMALS)) for piece, score in state["vocab"]),
        key=lambda item: (item[0] != unknown, -item[1], item[0]),
    )
    tokenizer.model = models.Unigram(pieces, unk_id=0, byte_fallback=False)
    return tokenizer


def is_hf_tokenizer(obj):
    """Tell whether ``obj`` behaves like a Hugging Face ``tokenizers.Tokenizer``."""
    return hasattr(obj, "encode_batch") and hasattr(obj, "get_vocab")


def load_tokenizer_file(path):
    """Load a ``tokenizer.json`` file saved by the ``tokenizers`` package."""
    from tokenizers import Tokenizer

    try:
        return Tokenizer.from_file(os.fspath(path))
    except Exception as exc:  # the Rust side raises plain Exception
        raise ValueError(f"cannot load tokenizer file {os.fspath(path)!r}: {exc}") from None


def without_padding(tokenizer):
    """Return the tokenizer, or a copy of it without padding and truncation.

    A ``tokenizer.json`` made for a transformer often pads every text to a fixed length
    and cuts it there (all-MiniLM-L6-v2's: 128). Split into a document's tokens, that
    would add ``[PAD]`` tokens and silently drop the end of long documents. The given
    object is never changed.
    """
    if tokenizer.padding is None and tokenizer.truncation is None:
        return tokenizer
    from tokenizers import Tokenizer

    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.no_padding()
    copy.no_truncation()
    return copy


def special_tokens(tokenizer_):
    """Tokens that never enter a vocabulary: a Hugging Face tokenizer's special tokens."""
    if not is_hf_tokenizer(tokenizer_):
        return frozenset()
    decoder = tokenizer_.get_added_tokens_decoder()
    return frozenset(added.content for added in decoder.values() if added.special)


def needs_training(tokenizer):
    """Tell whether the ``tokenizer`` parameter asks for a subword model trained in fit."""
    return isinstance(tokenizer, str) and tokenizer in SUBWORD_KINDS


def make_tokenizer(tokenizer, *, lowercase, input, texts=None, subword_vocab_size=8000):
    """Build the fitted tokenizer (``tokenizer_``) that the ``tokenizer`` parameter names.

    Parameters
    ----------
    tokenizer : str, path, tokenizers.Tokenizer or callable
        ``"word"``, a subword kind from ``SUBWORD_KINDS``, a path to a
        ``tokenizer.json`` file, a ``tokenizers.Tokenizer`` or a callable ``str -> list``.
    lowercase : bool
        Lowercase text (ignored by a given ``tokenizers.Tokenizer`` or file).
    input : {"content", "tokens", "filename"}
        What the documents are; a callable cannot split pre-tokenized documents.
    texts : iterable of str, optional
        Training texts, needed only when a subword model is trained.
    subword_vocab_size : int, default=8000
        Size of a trained subword vocabulary.

    Returns
    -------
    object
        A ``WordTokenizer``, a ``tokenizers.Tokenizer`` or the callable itself.
    """
    if isinstance(tokenizer, str) and tokenizer == "word":
        return WordTokenizer(lowercase=lowercase)
    if needs_training(tokenizer):
        return train_subword_tokenizer(
            tokenizer, texts, vocab_size=subword_vocab_size, lowercase=lowercase
        )
    if is_hf_tokenizer(tokenizer):
        return without_padding(tokenizer)
    if isinstance(tokenizer, (str, os.PathLike)):
        if not os.path.isfile(tokenizer):
            raise ValueError(
                f"tokenizer={tokenizer!r} is neither one of {list(BUILTIN_TOKENIZERS)} "
                "nor the path of an existing tokenizer.json file"
            )
        return without_padding(load_tokenizer_file(tokenizer))
    if callable(tokenizer):
        if input == "tokens":
            raise ValueError(
                "a callable tokenizer splits raw text, but input='tokens' says the "
                "documents are already split; use tokenizer='word' or input='content'"
            )
        return tokenizer
    raise TypeError(f"tokenizer must be a str, path, tokenizers.Tokenizer or callable, "
                    f"got {type(tokenizer).__name__}")


def training_texts(docs, input):
    """Turn documents into the strings a subword trainer reads (tokens joined by spaces)."""
    if input == "tokens":
        return (" ".join(doc) for doc in docs)
    return docs


# ------------------------------------------------------------------------ analysis


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _checked_tokens(result, position):
    if not isinstance(result, (list, tuple)):
        raise TypeError(
            f"the tokenizer returned {_describe(result)} for document {position}; "
            "it must return a list of str"
        )
    for offset, token in enumerate(result):
        if not isinstance(token, str):
            raise TypeError(
                f"the tokenizer returned {_describe(token)} as token {offset} of document "
                f"{position}; tokens must be str"
            )
    return result


class DocumentAnalyzer:
    """Split one document into tokens with a fitted tokenizer (picklable).

    Parameters
    ----------
    tokenizer_ : WordTokenizer, tokenizers.Tokenizer or callable
        A fitted tokenizer.
    input : {"content", "tokens"}, default="content"
        Whether a document is raw text or a list of str tokens.
    lowercase : bool, default=True
        As for ``analyze``.
    """

    def __init__(self, tokenizer_, input="content", lowercase=True):
        self.tokenizer_ = tokenizer_
        self.input = input
        self.lowercase = lowercase

    def __call__(self, doc):
        """Return the tokens of one document."""
        docs = iter_documents([doc], self.input)
        return next(analyze(self.tokenizer_, docs, input=self.input, lowercase=self.lowercase))


def subword_tokenizer_of(analyzer):
    """Return the ``(tokenizers.Tokenizer, lowercase)`` behind a vectors' analyzer, or None.

    Vectors of subword tokens carry a ``DocumentAnalyzer`` around the Hugging Face
    tokenizer that made their tokens; that tokenizer is what a file saves and what
    ``StaticEmbedding`` splits text with. Any other analyzer (a user's callable) is None.
    """
    if isinstance(analyzer, DocumentAnalyzer) and is_hf_tokenizer(analyzer.tokenizer_):
        return analyzer.tokenizer_, analyzer.lowercase
    if isinstance(analyzer, DocumentAnalyzer) and isinstance(analyzer.tokenizer_,
                                                             CachedWordPiece):
        return analyzer.tokenizer_.tokenizer, analyzer.lowercase
    return None


def analyze(tokenizer_, docs, *, input, lowercase):
    """Yield the token strings of each document.

    Parameters
    ----------
    tokenizer_ : WordTokenizer, tokenizers.Tokenizer, CachedWordPiece or callable
        A fitted tokenizer from ``make_tokenizer``, or the cached fast path of a BERT
        ``tokenizers.Tokenizer`` (which gives the same tokens).
    docs : iterable
        Documents from ``iter_documents``.
    input : {"content", "tokens", "filename"}
        What the documents are.
    lowercase : bool
        Lowercase pre-split tokens (``input="tokens"``) or text passed to a callable.

    Yields
    ------
    list of str
        The tokens of one document, in order.
    """
    if is_hf_tokenizer(tokenizer_):
        _register_fork_hooks()  # encode_batch runs on tokenizers' thread pool
        pretokenized = input == "tokens"
        for batch in _batches(docs, _BATCH_SIZE):
            for encoding in tokenizer_.encode_batch(
                batch, is_pretokenized=pretokenized, add_special_tokens=False
            ):
                yield encoding.tokens
    elif isinstance(tokenizer_, CachedWordPiece):
        # The same tokens as the Hugging Face branch above, from a cache of word pieces.
        _register_fork_hooks()  # cache misses are encoded on tokenizers' thread pool
        pretokenized = input == "tokens"
        for batch in _batches(docs, _BATCH_SIZE):
            yield from tokenizer_.tokenize_batch(batch, is_pretokenized=pretokenized)
    elif input == "tokens":
        for doc in docs:
            yield list(map(str.lower, doc)) if lowercase else doc
    elif isinstance(tokenizer_, WordTokenizer):
        yield from map(tokenizer_, docs)
    else:
        for position, doc in enumerate(docs):
            yield _checked_tokens(tokenizer_(doc.lower() if lowercase else doc), position)

"""An exact, cached fast path for BERT WordPiece tokenization.

A BERT tokenizer of the ``tokenizers`` package (``BertNormalizer`` + ``BertPreTokenizer``
+ ``WordPiece``) spends most of its time, per short document, in the machinery around
the model: building a ``NormalizedString`` with its alignments, splitting it, and
converting an ``Encoding`` back into Python objects. Text has few distinct words, so
``CachedWordPiece`` does the normalisation and the pre-tokenisation in Python and maps
each word to its word pieces through a dict, which the real WordPiece model fills on a
miss. The token strings are those of
``tokenizer.encode_batch(texts, add_special_tokens=False)``, for every input.

How each step is reproduced (``tokenizers/src/normalizers/bert.rs`` and
``tokenizers/src/pre_tokenizers/bert.rs``):

* Special (added) tokens are cut out of the raw text first, leftmost-longest, as the
  tokenizer's added vocabulary does; each piece between them is tokenized on its own.
* Every step of ``BertNormalizer`` works on one character at a time (removing control
  characters and turning whitespace into a space, spacing out CJK ideographs, NFD then
  removing non-spacing marks, lowercasing with ``char::to_lowercase``, which knows no
  final sigma), and ``BertPreTokenizer`` splits on whitespace and isolates every
  punctuation character. So the text becomes a string in which each character is
  replaced by what those steps make of it, with a space for whitespace and spaces
  around punctuation, and a split on spaces gives the pre-tokens.
* What a character becomes is asked of the real normaliser and pre-tokeniser, once per
  distinct character (``str.translate`` with a table filled on first sight), not looked
  up in Python's ``unicodedata``: the Rust crates behind ``tokenizers`` carry their own
  Unicode tables, of other versions than Python's. With tokenizers 0.23 and Python 3.11,
  for example, U+1E95E (an Adlam punctuation mark) is not punctuation to the
  pre-tokeniser, and U+10D50 (Garay, Unicode 16) is lowercased by the normaliser but not
  by ``str.lower``.
* One step is not per character: NFD puts runs of combining characters in canonical
  order across character boundaries. Accent stripping removes almost all of them; a
  document holding a character whose normal form keeps a combining character (or one
  Python's tables do not know) is tokenized by the real tokenizer instead, as is one
  holding a character the normaliser refuses (a lone surrogate).
* All-ASCII text, the common case, is lowercased and split at whitespace with ``str``
  methods: the chunks (``"dog,"``) are the cache keys, and a chunk first seen is split
  into its pre-tokens (``"dog"``, ``","``) by a regular expression written from the Rust
  definitions (ASCII whitespace and ``char::is_ascii_punctuation``). Both are checked
  against the real normaliser and pre-tokeniser on all 128 characters before first use.
* Word pieces come from the tokenizer's own WordPiece model (greedy longest match,
  ``[UNK]``, ``max_input_chars_per_word``): nothing of it is re-implemented. The
  tokenizer's truncation, if set, is applied to each document's tokens as it would be.
"""

import json
import re
import unicodedata
from itertools import chain

# Words cached before the cache is emptied (an entry takes about 150 bytes).
MAX_CACHED_WORDS = 250_000
_SUPPORTED_POST_PROCESSORS = (None, "BertProcessing", "TemplateProcessing")
_SUPPORTED_TRUNCATION = ("longest_first", "only_first")
# Characters that Rust's char::is_whitespace and char::is_ascii_punctuation accept.
_ASCII_WHITESPACE = "\t\n\x0b\x0c\r "
_ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# A pre-token of ASCII text: a run of anything else, or one punctuation mark.
_ASCII_PRE_TOKEN = re.compile(r"[^\t\n\x0b\x0c\r !-/:-@\[-`{-~]+|[!-/:-@\[-`{-~]")
# ASCII characters BertNormalizer(clean_text=True) removes (control, not \t \n \r).
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD, _SPACE, _PUNCTUATION = "word", "space", "punctuation"


class _Unsafe(Exception):
    """A character the Python path cannot tokenize exactly: use the real tokenizer."""


class _CharacterTable(dict):
    """Code point -> what the normaliser and the pre-tokeniser make of the character.

    A ``str.translate`` table filled on first sight of a character by asking the real
    normaliser what the character becomes, and the real pre-tokeniser whether each
    character of that is whitespace (replaced by a space), punctuation (surrounded by
    spaces) or part of a word (kept).
    """

    def __init__(self, normalizer, pre_tokenizer, reorders):
        super().__init__()
        self._normalizer = normalizer
        self._pre_tokenizer = pre_tokenizer
        self._reorders = reorders  # the normaliser applies NFD (strip_accents)
        self._kinds = {}
        self._unsafe = set()
        # A character kept inside words that str.split() would split on.
        self.splits_on_other_space = False

    def kind(self, character):
        """Whether the pre-tokeniser treats ``character`` as whitespace, punctuation or word."""
        kind = self._kinds.get(character)
        if kind is None:
            n_pieces = len(self._pre_tokenizer.pre_tokenize_str(f"a{character}a"))
            kind = {1: _WORD, 2: _SPACE, 3: _PUNCTUATION}[n_pieces]
            self._kinds[character] = kind
        return kind

    def __missing__(self, code):
        if code in self._unsafe:
            raise _Unsafe(code)
        try:
            normalized = self._normalizer.normalize_str(chr(code))
        except Exception:  # a lone surrogate cannot cross into Rust
            normalized = None
        if normalized is None or self._reorders and any(
            unicodedata.combining(c) or unicodedata.category(c) == "Cn" for c in normalized
        ):
            # NFD would put this combining character in canonical order with its
            # neighbours', which a per-character table cannot do.
            self._unsafe.add(code)
            raise _Unsafe(code)
        parts = []
        for character in normalized:
            kind = self.kind(character)
            if kind == _SPACE:
                parts.append(" ")
            elif kind == _PUNCTUATION:
                parts.append(f" {character} ")
            else:
                parts.append(character)
                if character.isspace():
                    self.splits_on_other_space = True
        value = "".join(parts)
        self[code] = value
        return value


def _support(tokenizer):
    """Read the settings of a BERT ``tokenizers.Tokenizer``; ValueError if unsupported."""
    normalizer = tokenizer.normalizer
    config = json.loads(normalizer.__getstate__()) if normalizer is not None else {}
    if config.get("type") != "BertNormalizer":
        raise ValueError(f"its normalizer is {config.get('type')}, not BertNormalizer")
    pre_tokenizer = tokenizer.pre_tokenizer
    pre_config = json.loads(pre_tokenizer.__getstate__()) if pre_tokenizer is not None else {}
    if pre_config.get("type") != "BertPreTokenizer":
        raise ValueError(f"its pre-tokenizer is {pre_config.get('type')}, not BertPreTokenizer")
    model = type(tokenizer.model).__name__
    if model != "WordPiece":
        raise ValueError(f"its model is {model}, not WordPiece")
    processor = tokenizer.post_processor
    processor = json.loads(processor.__getstate__())["type"] if processor is not None else None
    if processor not in _SUPPORTED_POST_PROCESSORS:
        raise ValueError(f"its post-processor is {processor}")
    if tokenizer.padding is not None:
        raise ValueError("it pads its encodings (padding is set)")
    truncation = tokenizer.truncation
    if truncation is not None and truncation["strategy"] not in _SUPPORTED_TRUNCATION:
        raise ValueError(f"it truncates with strategy {truncation['strategy']!r}")
    encode_special = getattr(tokenizer, "encode_special_tokens", False)
    added = []
    for token in tokenizer.get_added_tokens_decoder().values():
        if token.normalized or token.lstrip or token.rstrip or token.single_word:
            raise ValueError(f"its added token {token.content!r} is matched after "
                             "normalisation or with lstrip, rstrip or single_word")
        if token.content:
            added.append((token.content, token.special and encode_special))
    strip_accents = config["strip_accents"]
    return {
        "clean_text": bool(config["clean_text"]),
        "lowercase": bool(config["lowercase"]),
        # BertNormalizer: strip_accents None means "as lowercase".
        "reorders": bool(config["lowercase"] if strip_accents is None else strip_accents),
        "truncation": truncation,
        "added": added,
    }


class CachedWordPiece:
    """A BERT WordPiece ``tokenizers.Tokenizer`` with its word pieces cached per word.

    Gives the token strings of ``tokenizer.encode_batch(texts, add_special_tokens=False)``
    for every input, several times faster on short documents: the normaliser and the
    pre-tokeniser run in Python (each character's behaviour taken from the real ones),
    and each word is looked up in a dict that the tokenizer's own WordPiece model fills
    on a miss. See the module docstring for how each step is reproduced.

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        A tokenizer with a ``BertNormalizer``, a ``BertPreTokenizer`` and a ``WordPiece``
        model, no padding, added tokens matched in the raw text (``normalized=False``,
        without ``lstrip``, ``rstrip`` or ``single_word``), a BERT or template
        post-processor or none, and no truncation or a truncation of the first sequence.
        It is used as it is, not copied: do not change it afterwards.
    max_words : int, default=250_000
        The cache of words is emptied when it would hold more than this (a single call
        adds the words of all its documents, so it may pass this limit by as many).

    Attributes
    ----------
    tokenizer : tokenizers.Tokenizer
        The tokenizer given.
    max_words : int
        As given.

    Raises
    ------
    ValueError
        If ``tokenizer`` is not of the supported kind (the message says what differs).

    See Also
    --------
    fast_wordpiece : The wrapper for a tokenizer, or None if it is not supported.

    Notes
    -----
    The cache is not pickled: an unpickled wrapper starts with an empty one. Added tokens
    are cut out of the raw text as the tokenizer does (special ones too, unless the
    tokenizer's ``encode_special_tokens`` is set). A document holding a character that a
    per-character table cannot reproduce (see the module docstring) is tokenized by the
    tokenizer itself.

    Examples
    --------
    >>> from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    >>> vocab = {"[UNK]": 0, "the": 1, "cat": 2, "sat": 3, "s": 4, "##at": 5, ".": 6}
    >>> bert = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    >>> bert.normalizer = normalizers.BertNormalizer()
    >>> bert.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    >>> CachedWordPiece(bert).tokenize("The cat SAT. Thé dog")
    ['the', 'cat', 'sat', '.', 'the', '[UNK]']
    """

    def __init__(self, tokenizer, *, max_words=MAX_CACHED_WORDS):
        self.tokenizer = tokenizer
        self.max_words = max_words
        try:
            settings = _support(tokenizer)
        except ValueError as error:
            raise ValueError(f"CachedWordPiece supports BERT WordPiece tokenizers only: "
                             f"{error}") from None
        self._clean_text = settings["clean_text"]
        self._lowercase = settings["lowercase"]
        truncation = settings["truncation"]
        self._max_length = None if truncation is None else truncation["max_length"]
        self._keep_end = truncation is not None and truncation["direction"] == "left"
        added = settings["added"]
        self._added_pattern = self._added_first = None
        self._skipped_added = frozenset(content for content, skip in added if skip)
        if added:
            # Longest first: at one position, the longest added token wins.
            contents = sorted({content for content, _ in added}, key=lambda c: (-len(c), c))
            self._added_pattern = re.compile("|".join(map(re.escape, contents)))
            first = {content[0] for content in contents}
            self._added_first = first.pop() if len(first) == 1 else None
        self._table = _CharacterTable(tokenizer.normalizer, tokenizer.pre_tokenizer,
                                      settings["reorders"])
        self._ascii = None  # whether the ASCII path is right: checked on first use
        self._words = {}
        self._pieces = {}  # one str object per word piece
        self._model = None

    def __repr__(self):
        return f"CachedWordPiece({self.tokenizer.get_vocab_size()} word pieces)"

    def __getstate__(self):
        return {"tokenizer": self.tokenizer, "max_words": self.max_words}

    def __setstate__(self, state):
        self.__init__(state["tokenizer"], max_words=state["max_words"])

    # ---------------------------------------------------------------- pre-tokens

    def _check_ascii(self):
        """Check the ASCII regular expressions against the real normaliser and pre-tokeniser."""
        ok = True
        for code in range(128):
            character = chr(code)
            if self._clean_text and _ASCII_CONTROL.match(character):
                expected = ""
            elif character in _ASCII_WHITESPACE:
                expected = " "
            elif character in _ASCII_PUNCTUATION:
                expected = f" {character} "
            else:
                expected = character.lower() if self._lowercase else character
            try:
                ok &= self._table[code] == expected
            except _Unsafe:
                ok = False
        self._ascii = ok
        return ok

    def _segment_keys(self, text):
        """Return the cache keys of a text without added tokens; raises _Unsafe.

        A key is a normalised string without whitespace whose tokens are those of its
        pre-tokens: a whitespace-separated chunk of ASCII text (``"dog,"``), or one
        pre-token of other text.
        """
        if text.isascii() and (self._ascii or self._ascii is None and self._check_ascii()):
            if not text.isprintable():  # control characters: \t \n \r or others
                if not self._clean_text:
                    # str.split() would split on \x1c-\x1f, which BERT keeps in words.
                    text = text.lower() if self._lowercase else text
                    return _ASCII_PRE_TOKEN.findall(text)
                text = _ASCII_CONTROL.sub("", text)
            return (text.lower() if self._lowercase else text).split()
        text = text.translate(self._table)
        if self._table.splits_on_other_space:
            return [piece for piece in text.split(" ") if piece]
        return text.split()

    def _keys(self, text):
        """Return the cache keys of one text, added tokens as ``(content,)``; raises _Unsafe."""
        pattern = self._added_pattern
        if pattern is None or (self._added_first is not None and self._added_first not in text):
            return self._segment_keys(text)
        keys, start = [], 0
        for match in pattern.finditer(text):
            if match.group() in self._skipped_added:
                continue
            keys += self._segment_keys(text[start : match.start()])
            keys.append((match.group(),))
            start = match.end()
        keys += self._segment_keys(text[start:])
        return keys

    # --------------------------------------------------------------- word pieces

    def _word_pieces(self, words):
        """Ask the WordPiece model for the pieces of each of ``words`` (pre-tokens)."""
        if self._model is None:
            from tokenizers import Tokenizer

            # The model alone: no normaliser, pre-tokeniser or added tokens, so each word
            # reaches WordPiece whole.
            self._model = Tokenizer(self.tokenizer.model)
        found = {}
        if words:
            canonical = self._pieces.setdefault
            encodings = self._model.encode_batch(words, add_special_tokens=False)
            for word, encoding in zip(words, encodings, strict=True):
                tokens = encoding.tokens
                if len(tokens) == 1 and tokens[0] == word:
                    found[word] = (word,)
                else:
                    found[word] = tuple(canonical(token, token) for token in tokens)
        return found

    def _fill(self, pending, out):
        """Tokenize the documents whose keys were not all cached, and cache those keys."""
        cache = self._words
        needed = set(chain.from_iterable(keys for _, keys in pending))
        if len(cache) + 2 * len(needed) > self.max_words:
            cache.clear()
        found, chunks, words = {}, {}, set()
        for key in needed:
            value = cache.get(key)
            if value is not None:
                found[key] = value
            elif type(key) is tuple:  # an added token
                found[key] = key
            elif self._ascii and key.isascii():
                # An ASCII chunk: its pre-tokens, as for the whole text.
                pre_tokens = _ASCII_PRE_TOKEN.findall(key)
                if len(pre_tokens) == 1 and pre_tokens[0] == key:
                    words.add(key)
                else:
                    chunks[key] = pre_tokens
                    words.update(pre_tokens)
            else:  # a pre-token of non-ASCII text
                words.add(key)
        resolved, ask = {}, []
        for word in words:
            value = found.get(word) or cache.get(word)
            if value is None:
                ask.append(word)
            else:
                resolved[word] = value
        new = self._word_pieces(ask)
        resolved.update(new)
        cache.update(new)
        for key, pre_tokens in chunks.items():
            found[key] = cache[key] = tuple(chain.from_iterable(map(resolved.__getitem__,
                                                                    pre_tokens)))
        for word in words:
            found.setdefault(word, resolved[word])
        lookup = found.__getitem__
        for position, keys in pending:
            out[position] = list(chain.from_iterable(map(lookup, keys)))

    def _truncate(self, tokens):
        length = self._max_length
        if length is None or len(tokens) <= length:
            return tokens
        if self._keep_end:
            return tokens[len(tokens) - length :]
        return tokens[:length]

    # -------------------------------------------------------------------- public

    def tokenize_batch(self, texts, *, is_pretokenized=False):
        """Return the token strings of each text.

        Parameters
        ----------
        texts : iterable of str, or iterable of list of str
            Documents; with ``is_pretokenized=True``, documents already split into words
            (each word is then tokenized on its own, as the tokenizer does).
        is_pretokenized : bool, default=False
            Whether the documents are lists of words.

        Returns
        -------
        list of list of str
            ``tokenizer.encode_batch(texts, is_pretokenized=is_pretokenized,
            add_special_tokens=False)[i].tokens`` for each ``i``.
        """
        cache = self._words
        lookup = cache.__getitem__
        keys_of = self._keys
        out, pending, fallback = [], [], []
        for text in texts:
            try:
                if is_pretokenized:
                    keys = list(chain.from_iterable(map(keys_of, text)))
                else:
                    keys = keys_of(text)
            except _Unsafe:
                fallback.append((len(out), text))
                out.append([])
                continue
            try:
                out.append(list(chain.from_iterable(map(lookup, keys))))
            except KeyError:
                pending.append((len(out), keys))
                out.append(None)
        if pending:
            self._fill(pending, out)
        if self._max_length is not None:
            out = [self._truncate(tokens) for tokens in out]
        if fallback:
            # The tokenizer itself, which truncates as it is set to.
            encodings = self.tokenizer.encode_batch(
                [text for _, text in fallback], is_pretokenized=is_pretokenized,
                add_special_tokens=False)
            for (position, _), encoding in zip(fallback, encodings, strict=True):
                out[position] = encoding.tokens
        return out

    def tokenize(self, text):
        """Return the token strings of one text (see ``tokenize_batch``).

        Parameters
        ----------
        text : str
            A document.

        Returns
        -------
        list of str
            ``tokenizer.encode(text, add_special_tokens=False).tokens``.
        """
        return self.tokenize_batch([text])[0]


def fast_wordpiece(tokenizer, *, max_words=MAX_CACHED_WORDS):
    """Return a ``CachedWordPiece`` for ``tokenizer``, or None if it does not support it.

    Parameters
    ----------
    tokenizer : object
        Anything; only a BERT WordPiece ``tokenizers.Tokenizer`` (see
        ``CachedWordPiece``) gets a wrapper.
    max_words : int, default=250_000
        As for ``CachedWordPiece``.

    Returns
    -------
    CachedWordPiece or None
        None for any other tokenizer, which callers then use as it is.
    """
    if not (hasattr(tokenizer, "encode_batch") and hasattr(tokenizer, "get_vocab")
            and hasattr(tokenizer, "normalizer")):
        return None
    try:
        return CachedWordPiece(tokenizer, max_words=max_words)
    except (ValueError, AttributeError, TypeError, KeyError):  # not a BERT Tokenizer
        return None

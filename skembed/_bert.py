"""A NumPy forward pass of a BERT encoder (the all-MiniLM-L6-v2, bge-small, e5-small family).

``BertEncoder`` computes the last hidden states of a ``model_type: "bert"`` encoder from
its ``config.json`` and its weights (a state dict, as ``skembed._safetensors`` reads it):

* embeddings: word + absolute position + token type 0, then LayerNorm;
* each layer: multi-head self-attention over the tokens that the attention mask keeps,
  residual + LayerNorm, a feed-forward block (dense, activation, dense), residual +
  LayerNorm.

Everything is float32. Each step is a batched matrix product over the whole batch
(``@``, which NumPy hands to BLAS), so there is no Python loop over tokens or heads; the
number of BLAS threads is whatever the caller sets (threadpoolctl). Configurations that
this module does not implement (relative position embeddings, decoders, unknown
activations) are refused with ``UnsupportedModelError`` naming the key, rather than
computed wrongly.
"""

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.special import erf, ndtr

from ._kernels._activations import gelu_inplace
from ._threads import numba_threads

__all__ = ["BertConfig", "BertEncoder", "UnsupportedModelError", "activation"]

_PREFIX = "bert."
# Attention scores held at once, in float32 values: long batches are split into groups of
# rows so that the (rows, heads, length, length) score array stays near 32 MB.
_SCORE_BUDGET = 8 << 20
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_THREADED_GELU = 1 << 16  # values from which the GELU runs on numba's threads


class UnsupportedModelError(ValueError):
    """A model folder that the NumPy backend does not implement (a valid folder otherwise)."""


def _suggest(source, message):
    return UnsupportedModelError(
        f"{source}: {message}; the NumPy backend does not implement it. Use "
        'backend="sentence-transformers" (pip install "skembed[transformers]") for this '
        "model.")


# -------------------------------------------------------------------------- activations


def _gelu(x):
    # The exact GELU, x * Phi(x) = x * (1 + erf(x / sqrt 2)) / 2, in place on numba's
    # threads (a quarter to a third of MiniLM's time in NumPy, where erf costs ~10 ns a
    # value on one core). Small arrays stay in scipy: ndtr computes Phi in one pass.
    if x.size < _THREADED_GELU or not x.flags.c_contiguous or x.dtype != np.float32:
        phi = ndtr(x)
        phi *= x
        return phi
    with numba_threads(numba.get_num_threads()):
        gelu_inplace(x.reshape(-1))
    return x


def _gelu_erf(x):
    # The same function written with erf, as transformers writes it (for the tests).
    return 0.5 * x * (1.0 + erf(x * np.float32(1.0 / math.sqrt(2.0))))


def _gelu_tanh(x):
    inner = np.float32(_SQRT_2_OVER_PI) * (x + np.float32(0.044715) * x * x * x)
    return 0.5 * x * (1.0 + np.tanh(inner))


def _relu(x):
    return np.maximum(x, 0.0)


def _sigmoid(x):
    # Stable for large |x|: exp of a non-positive number only.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _silu(x):
    return x * _sigmoid(x)


def _quick_gelu(x):
    return x * _sigmoid(np.float32(1.702) * x)


# The hidden_act values of transformers' ACT2FN that this module computes.
_ACTIVATIONS = {
    "gelu": _gelu,
    "gelu_python": _gelu,
    "gelu_new": _gelu_tanh,
    "gelu_fast": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
    "relu": _relu,
    "silu": _silu,
    "swish": _silu,
    "quick_gelu": _quick_gelu,
}


def activation(name):
    """Return the activation function that ``config.json``'s ``hidden_act`` names.

    Parameters
    ----------
    name : str
        One of ``"gelu"`` (exact, with erf), ``"gelu_python"``, ``"gelu_new"``,
        ``"gelu_fast"``, ``"gelu_pytorch_tanh"`` (tanh approximation), ``"relu"``,
        ``"silu"``, ``"swish"``, ``"quick_gelu"``.

    Returns
    -------
    callable
        Elementwise, float32 in and out.

    Raises
    ------
    KeyError
        For any other name.
    """
    return _ACTIVATIONS[name]


# ------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class BertConfig:
    """The parts of a BERT ``config.json`` that the forward pass uses.

    Parameters
    ----------
    vocab_size, hidden_size, num_hidden_layers, num_attention_heads : int
        As in ``config.json``.
    intermediate_size, max_position_embeddings, type_vocab_size : int
        As in ``config.json``.
    hidden_act : str
        The feed-forward activation (see ``activation``).
    layer_norm_eps : float
        Added to the variance in every LayerNorm.
    """

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int
    hidden_act: str
    layer_norm_eps: float

    @classmethod
    def from_dict(cls, config, source="config.json"):
        """Check a parsed ``config.json`` and keep what the forward pass needs.

        Parameters
        ----------
        config : dict
            The parsed file.
        source : str, default="config.json"
            The file's name, for messages.

        Returns
        -------
        BertConfig

        Raises
        ------
        UnsupportedModelError
            If the model is not a BERT encoder that this module implements (the message
            names the key and suggests ``backend="sentence-transformers"``).
        ValueError
            If a value is missing or of the wrong type.
        """
        if not isinstance(config, dict):
            raise ValueError(f"{source}: expected a JSON object, found "
                             f"{type(config).__name__}")
        model_type = config.get("model_type")
        if model_type != "bert":
            raise _suggest(source, f'"model_type" is {model_type!r}, not "bert"')
        refused = {
            "position_embedding_type": ("absolute", "absolute"),
            "is_decoder": (False, False),
            "add_cross_attention": (False, False),
            "is_encoder_decoder": (False, False),
        }
        for key, (default, wanted) in refused.items():
            value = config.get(key, default)
            if value != wanted:
                raise _suggest(source, f"{key!r} is {value!r} (only {wanted!r} is "
                                       "implemented)")
        hidden_act = config.get("hidden_act", "gelu")
        if hidden_act not in _ACTIVATIONS:
            raise _suggest(source, f'"hidden_act" is {hidden_act!r} (implemented: '
                                   f"{', '.join(_ACTIVATIONS)})")
        values = {}
        for key in ("vocab_size", "hidden_size", "num_hidden_layers",
                    "num_attention_heads", "intermediate_size", "max_position_embeddings",
                    "type_vocab_size"):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{source}: {key!r} must be a positive integer, found "
                                 f"{value!r}")
            values[key] = value
        if values["hidden_size"] % values["num_attention_heads"]:
            raise ValueError(f"{source}: 'hidden_size' {values['hidden_size']} is not a "
                             f"multiple of 'num_attention_heads' "
                             f"{values['num_attention_heads']}")
        eps = config.get("layer_norm_eps", 1e-12)
        if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps > 0:
            raise ValueError(f"{source}: 'layer_norm_eps' must be a positive number, found "
                             f"{eps!r}")
        return cls(hidden_act=hidden_act, layer_norm_eps=float(eps), **values)


# ------------------------------------------------------------------------------ weights


@dataclass(frozen=True)
class _Layer:
    qkv_weight: np.ndarray  # (hidden, 3 * hidden): query, key, value side by side
    qkv_bias: np.ndarray
    attention_out_weight: np.ndarray  # (hidden, hidden)
    attention_out_bias: np.ndarray
    attention_norm: tuple
    intermediate_weight: np.ndarray  # (hidden, intermediate)
    intermediate_bias: np.ndarray
    output_weight: np.ndarray  # (intermediate, hidden)
    output_bias: np.ndarray
    output_norm: tuple


class _Weights:
    """Looks up a state dict's tensors by BERT name, checking each one's shape."""

    def __init__(self, state_dict, source):
        if any(key.startswith(_PREFIX) for key in state_dict):
            state_dict = {key[len(_PREFIX):]: value for key, value in state_dict.items()
                          if key.startswith(_PREFIX)}
        self._tensors = state_dict
        self._source = source

    def get(self, key, shape):
        tensor = self._tensors.get(key)
        if tensor is None and key.endswith(".LayerNorm.weight"):  # TF-era checkpoints
            tensor = self._tensors.get(key[: -len("weight")] + "gamma")
        if tensor is None and key.endswith(".LayerNorm.bias"):
            tensor = self._tensors.get(key[: -len("bias")] + "beta")
        if tensor is None:
            raise ValueError(f"{self._source}: the weight {key!r} is missing "
                             f"(or {_PREFIX + key!r})")
        tensor = np.asarray(tensor)
        if tensor.shape != shape:
            raise ValueError(f"{self._source}: the weight {key!r} has shape "
                             f"{tensor.shape}, the config says {shape}")
        if tensor.dtype.kind != "f":
            raise ValueError(f"{self._source}: the weight {key!r} has dtype {tensor.dtype}, "
                             "not a floating-point type")
        return tensor.astype(np.float32, copy=False)

    def linear(self, key, n_in, n_out):
        # Stored as (out, in) for y = x W^T + b: transposed once here, so that each
        # forward pass multiplies by a C-ordered (in, out) matrix.
        weight = self.get(f"{key}.weight", (n_out, n_in))
        bias = self.get(f"{key}.bias", (n_out,))
        return np.ascontiguousarray(weight.T), bias

    def norm(self, key, size):
        return self.get(f"{key}.weight", (size,)), self.get(f"{key}.bias", (size,))


# ------------------------------------------------------------------------------ forward


def _layer_norm(x, norm, eps):
    weight, bias = norm
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    centred *= 1.0 / np.sqrt(variance + np.float32(eps))
    centred *= weight
    centred += bias
    return centred


class BertEncoder:
    """The encoder of a BERT model, run with NumPy.

    Parameters
    ----------
    config : BertConfig or dict
        The model's configuration (a parsed ``config.json`` is checked with
        ``BertConfig.from_dict``).
    state_dict : mapping of str to ndarray
        The weights, named as in transformers' ``BertModel``, with or without a
        ``"bert."`` prefix (other tensors, such as the pooler or a pre-training head, are
        ignored). They are copied to float32 (query, key and value side by side).
    source : str, default="model.safetensors"
        Where the weights come from, for messages.

    Attributes
    ----------
    config : BertConfig

    Raises
    ------
    UnsupportedModelError
        If the configuration is not one this class implements.
    ValueError
        If a weight is missing or has the wrong shape; the message names it.
    """

    def __init__(self, config, state_dict, source="model.safetensors"):
        if not isinstance(config, BertConfig):
            config = BertConfig.from_dict(config)
        self.config = config
        hidden = config.hidden_size
        inner = config.intermediate_size
        weights = _Weights(state_dict, source)
        self._word = weights.get("embeddings.word_embeddings.weight",
                                 (config.vocab_size, hidden))
        self._position = weights.get("embeddings.position_embeddings.weight",
                                     (config.max_position_embeddings, hidden))
        token_type = weights.get("embeddings.token_type_embeddings.weight",
                                 (config.type_vocab_size, hidden))
        self._type0 = np.array(token_type[0], dtype=np.float32)
        self._embedding_norm = weights.norm("embeddings.LayerNorm", hidden)
        self._activation = _ACTIVATIONS[config.hidden_act]
        self._layers = []
        for index in range(config.num_hidden_layers):
            key = f"encoder.layer.{index}"
            parts = [weights.linear(f"{key}.attention.self.{name}", hidden, hidden)
                     for name in ("query", "key", "value")]
            qkv_weight = np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1))
            qkv_bias = np.concatenate([b for _, b in parts])
            attention_out = weights.linear(f"{key}.attention.output.dense", hidden, hidden)
            intermediate = weights.linear(f"{key}.intermediate.dense", hidden, inner)
            output = weights.linear(f"{key}.output.dense", inner, hidden)
            self._layers.append(_Layer(
                qkv_weight, qkv_bias, *attention_out,
                weights.norm(f"{key}.attention.output.LayerNorm", hidden),
                *intermediate, *output,
                weights.norm(f"{key}.output.LayerNorm", hidden)))

    def __call__(self, input_ids, attention_mask):
        """Return the last hidden states.

        Parameters
        ----------
        input_ids : array-like of int, shape (n_sequences, length)
            Token ids, special tokens included, padded to a common length with any id.
        attention_mask : array-like of {0, 1}, shape (n_sequences, length)
            1 for the real tokens, 0 for the padding. Every row keeps at least one token.

        Returns
        -------
        ndarray of float32, shape (n_sequences, length, hidden_size)
            The hidden states (padding positions hold values that mean nothing).

        Raises
        ------
        ValueError
            If the shapes differ, the length is above ``max_position_embeddings``, an id
            is outside the vocabulary, or a row's mask keeps no token.
        """
        ids = np.asarray(input_ids)
        mask = np.asarray(attention_mask)
        config = self.config
        if ids.ndim != 2 or mask.shape != ids.shape:
            raise ValueError(f"input_ids {ids.shape} and attention_mask {mask.shape} must "
                             "be two arrays of the same shape (n_sequences, length)")
        n_rows, length = ids.shape
        if length > config.max_position_embeddings:
            raise ValueError(f"sequences of {length} tokens are longer than the model's "
                             f"max_position_embeddings ({config.max_position_embeddings})")
        if ids.size and (ids.min() < 0 or ids.max() >= config.vocab_size):
            raise ValueError(f"token ids must be in [0, {config.vocab_size}), found "
                             f"{ids.min()}..{ids.max()}")
        keep = mask.astype(bool)
        if n_rows and length and not keep.any(axis=1).all():
            raise ValueError("a row of attention_mask keeps no token")
        # Positions that the mask drops get a large negative score before the softmax, as
        # transformers does (the dtype's lowest value), so they get zero weight.
        score_bias = np.where(keep, np.float32(0.0), np.finfo(np.float32).min)
        score_bias = score_bias.astype(np.float32)[:, None, None, :]

        x = self._word[ids]
        x += self._position[:length]
        x += self._type0
        x = _layer_norm(x, self._embedding_norm, config.layer_norm_eps)
        for layer in self._layers:
            x = self._layer(x, layer, score_bias)
        return x

    def _layer(self, x, layer, score_bias):
        config = self.config
        n_rows, length, hidden = x.shape
        heads = config.num_attention_heads
        head_size = hidden // heads
        flat = x.reshape(n_rows * length, hidden)
        qkv = flat @ layer.qkv_weight
        qkv += layer.qkv_bias
        # (rows, length, 3, heads, head_size) -> (3, rows, heads, length, head_size)
        qkv = qkv.reshape(n_rows, length, 3, heads, head_size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scale = np.float32(1.0 / math.sqrt(head_size))
        context = np.empty((n_rows, heads, length, head_size), dtype=np.float32)
        step = max(1, _SCORE_BUDGET // max(1, heads * length * length))
        for start in range(0, n_rows, step):
            rows = slice(start, start + step)
            scores = query[rows] @ key[rows].transpose(0, 1, 3, 2)
            scores *= scale
            scores += score_bias[rows]
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores *= 1.0 / scores.sum(axis=-1, keepdims=True)
            np.matmul(scores, value[rows], out=context[rows])
        context = context.transpose(0, 2, 1, 3).reshape(n_rows * length, hidden)
        attended = context @ layer.attention_out_weight
        attended += layer.attention_out_bias
        attended += flat
        x = _layer_norm(attended, layer.attention_norm, config.layer_norm_eps)
        inner = x @ layer.intermediate_weight
        inner += layer.intermediate_bias
        inner = self._activation(inner)
        out = inner @ layer.output_weight
        out += layer.output_bias
        out += x
        out = _layer_norm(out, layer.output_norm, config.layer_norm_eps)
        return out.reshape(n_rows, length, hidden)

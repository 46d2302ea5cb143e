"""A tiny BERT sentence-transformers folder built at test time (random weights, real tokenizer).

``build_tiny_teacher`` writes everything sentence-transformers needs to load the folder
offline (and everything skembed's NumPy backend reads): ``config.json``,
``model.safetensors``, a WordPiece ``tokenizer.json`` trained with ``tokenizers`` on the
given texts, ``tokenizer_config.json``, ``special_tokens_map.json``, ``vocab.txt``,
``modules.json``, ``sentence_bert_config.json``, ``1_Pooling/config.json`` and the optional
Dense and Normalize modules. Import it from the tests as ``from tiny_teacher import
build_tiny_teacher`` (pytest puts ``tests/`` on ``sys.path``: the folder has no
``__init__.py``).
"""

import json
import os

import numpy as np
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from tokenizers.trainers import WordPieceTrainer

from skembed._safetensors import write_safetensors

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# The Pooling config keys sentence-transformers has always read (all-MiniLM-L6-v2's).
_POOLING_KEYS = {
    "cls": "pooling_mode_cls_token",
    "mean": "pooling_mode_mean_tokens",
    "max": "pooling_mode_max_tokens",
    "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
    "weightedmean": "pooling_mode_weightedmean_tokens",
    "lasttoken": "pooling_mode_lasttoken",
}
_SCALE = 0.02  # BERT's initializer_range


def train_wordpiece(texts, vocab_size):
    """Train a BERT-style WordPiece tokenizer (uncased) on ``texts``."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="##",
                                           max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                               continuing_subword_prefix="##", show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    # The trainer numbers tokens in an order that changes from run to run (same tokens):
    # number them in a fixed order, so that the same texts give the same files.
    learned = tokenizer.get_vocab(with_added_tokens=False)
    ordered = SPECIAL_TOKENS + sorted(set(learned) - set(SPECIAL_TOKENS))
    tokenizer.model = models.WordPiece(
        {token: index for index, token in enumerate(ordered)}, unk_token="[UNK]",
        continuing_subword_prefix="##", max_input_chars_per_word=100)
    assert [tokenizer.token_to_id(token) for token in SPECIAL_TOKENS] == list(range(5))
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    return tokenizer


def random_bert_weights(rng, *, vocab, hidden, layers, intermediate, positions,
                        type_vocab=2, scale=_SCALE):
    """A BertModel state dict (no prefix) of random float32 weights, as BERT initialises."""
    def matrix(*shape):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def norm(key):
        weights[f"{key}.weight"] = (1.0 + rng.standard_normal(hidden) * scale).astype(np.float32)
        weights[f"{key}.bias"] = matrix(hidden)

    def linear(key, n_in, n_out):
        weights[f"{key}.weight"] = matrix(n_out, n_in)
        weights[f"{key}.bias"] = matrix(n_out)

    weights = {
        "embeddings.word_embeddings.weight": matrix(vocab, hidden),
        "embeddings.position_embeddings.weight": matrix(positions, hidden),
        "embeddings.token_type_embeddings.weight": matrix(type_vocab, hidden),
    }
    norm("embeddings.LayerNorm")
    for index in range(layers):
        key = f"encoder.layer.{index}"
        for name in ("query", "key", "value"):
            linear(f"{key}.attention.self.{name}", hidden, hidden)
        linear(f"{key}.attention.output.dense", hidden, hidden)
        norm(f"{key}.attention.output.LayerNorm")
        linear(f"{key}.intermediate.dense", hidden, intermediate)
        linear(f"{key}.output.dense", intermediate, hidden)
        norm(f"{key}.output.LayerNorm")
    linear("pooler.dense", hidden, hidden)
    return weights


def _write_json(path, value):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)


def build_tiny_teacher(folder, texts, *, hidden=32, layers=2, heads=4, intermediate=64,
                       vocab_size=2000, max_length=64, seed=0, pooling="mean",
                       normalize=True, dense=None, max_position_embeddings=None,
                       hidden_act="gelu"):
    """Write a complete sentence-transformers folder of a tiny random BERT.

    Parameters
    ----------
    folder : str or path-like
        Created if needed.
    texts : iterable of str
        What the WordPiece tokenizer is trained on.
    hidden, layers, heads, intermediate : int
        The encoder's sizes.
    vocab_size : int
        The tokenizer trainer's target (the model gets the size actually reached).
    max_length : int
        ``max_seq_length`` of ``sentence_bert_config.json``.
    seed : int
        Seed of the weights (numpy Generator).
    pooling : str
        The Pooling mode (``"mean"``, ``"cls"``, ``"max"``, or another mode of
        sentence-transformers, which skembed's NumPy backend refuses).
    normalize : bool
        Add a Normalize module.
    dense : int, optional
        Add a Dense module (Tanh) with this many outputs after the pooling.
    max_position_embeddings : int, optional
        Default ``2 * max_length``.
    hidden_act : str
        ``config.json``'s activation.

    Returns
    -------
    str
        The folder.
    """
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    positions = max_position_embeddings or 2 * max_length

    tokenizer = train_wordpiece(texts, vocab_size)
    tokenizer.save(os.path.join(folder, "tokenizer.json"))
    vocab = tokenizer.get_vocab_size(with_added_tokens=True)
    tokens = sorted(tokenizer.get_vocab(with_added_tokens=True).items(), key=lambda kv: kv[1])
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as file:
        file.writelines(f"{token}\n" for token, _ in tokens)
    special = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
               "cls_token": "[CLS]", "mask_token": "[MASK]"}
    _write_json(os.path.join(folder, "special_tokens_map.json"), special)
    _write_json(os.path.join(folder, "tokenizer_config.json"), {
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "do_basic_tokenize": True,
        "tokenize_chinese_chars": True, "strip_accents": None, "model_max_length": positions,
        "clean_up_tokenization_spaces": True, **special})

    _write_json(os.path.join(folder, "config.json"), {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": vocab,
        "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
        "intermediate_size": intermediate, "hidden_act": hidden_act,
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": positions, "type_vocab_size": 2,
        "initializer_range": _SCALE, "layer_norm_eps": 1e-12, "pad_token_id": 0,
        "position_embedding_type": "absolute", "use_cache": False})
    weights = random_bert_weights(rng, vocab=vocab, hidden=hidden, layers=layers,
                                  intermediate=intermediate, positions=positions)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights, {"format": "pt"})

    _write_json(os.path.join(folder, "sentence_bert_config.json"),
                {"max_seq_length": max_length, "do_lower_case": False})
    _write_json(os.path.join(folder, "config_sentence_transformers.json"),
                {"prompts": {}, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    modules = [("Transformer", "")]
    os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
    pooling_config = {"word_embedding_dimension": hidden}
    pooling_config.update({key: mode == pooling for mode, key in _POOLING_KEYS.items()})
    if pooling not in _POOLING_KEYS:
        pooling_config["pooling_mode"] = pooling  # for the refusal tests
    _write_json(os.path.join(folder, "1_Pooling", "config.json"), pooling_config)
    modules.append(("Pooling", "1_Pooling"))
    if dense is not None:
        path = f"{len(modules)}_Dense"
        os.makedirs(os.path.join(folder, path), exist_ok=True)
        _write_json(os.path.join(folder, path, "config.json"), {
            "in_features": hidden, "out_features": dense, "bias": True,
            "activation_function": "torch.nn.modules.activation.Tanh"})
        write_safetensors(os.path.join(folder, path, "model.safetensors"), {
            "linear.weight": (rng.standard_normal((dense, hidden)) * 0.3).astype(np.float32),
            "linear.bias": (rng.standard_normal(dense) * 0.1).astype(np.float32)})
        modules.append(("Dense", path))
    if normalize:
        path = f"{len(modules)}_Normalize"
        os.makedirs(os.path.join(folder, path), exist_ok=True)
        modules.append(("Normalize", path))
    _write_json(os.path.join(folder, "modules.json"), [
        {"idx": index, "name": str(index), "path": path,
         "type": f"sentence_transformers.models.{kind}"}
        for index, (kind, path) in enumerate(modules)])
    return folder

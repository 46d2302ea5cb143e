"""skembed.plot: what is drawn (points, labels, legend, heat map, curve) and the errors."""

import importlib
import sys

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError

import skembed.plot
from skembed import Vectors, Word2VecTransformer
from skembed.datasets import load_fortunes
from skembed.plot import plot_loss, plot_similarity, plot_words

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Two clear clusters in 3-D (royal / fruit) plus a spread along a third direction.
TOKENS = ["king", "queen", "prince", "apple", "pear", "plum", "zero"]
MATRIX = np.array(
    [[1.0, 0.9, 0.1], [0.9, 1.0, 0.0], [1.1, 0.8, 0.3],
     [-1.0, 0.1, 0.9], [-0.9, 0.0, 1.1], [-1.2, 0.2, 0.8], [0.0, 0.0, 0.0]],
    dtype=np.float32,
)
WORDS = ["king", "queen", "prince", "apple", "pear", "plum"]
GROUPS = ["royal", "royal", "royal", "fruit", "fruit", "fruit"]
REAL_WORDS = ["life", "love", "time", "man", "woman", "money", "god", "world", "people", "work"]


@pytest.fixture
def kv():
    return Vectors(TOKENS, MATRIX)


@pytest.fixture(scope="module")
def model():
    texts = load_fortunes(subset="train", return_X_y=True)[0][:1500]
    return Word2VecTransformer(vector_size=16, min_count=2, epochs=3, random_state=0).fit(texts)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _assert_png(ax, path):
    ax.figure.savefig(path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5000


def _labelled_points(ax):
    return {text.get_text(): np.asarray(text.xy, dtype=float) for text in ax.texts}


def _n_points(ax):
    return sum(len(collection.get_offsets()) for collection in ax.collections)


def _assert_same_up_to_sign(actual, expected):
    for k in range(expected.shape[1]):
        sign = 1.0 if actual[:, k] @ expected[:, k] >= 0 else -1.0
        np.testing.assert_allclose(sign * actual[:, k], expected[:, k], atol=1e-5)


# ------------------------------------------------------------------ plot_words


def test_plot_words_pca_points_labels_and_axes(kv, tmp_path):
    ax = plot_words(kv, WORDS)
    assert len(ax.collections) == 1 and _n_points(ax) == len(WORDS)
    assert [text.get_text() for text in ax.texts] == WORDS
    assert ax.get_legend() is None

    pca = PCA(n_components=2).fit(MATRIX[:6])
    expected = pca.transform(MATRIX[:6])
    _assert_same_up_to_sign(np.asarray(ax.collections[0].get_offsets()), expected)
    points = _labelled_points(ax)
    _assert_same_up_to_sign(np.vstack([points[w] for w in WORDS]), expected)
    for k, label in enumerate((ax.get_xlabel(), ax.get_ylabel())):
        assert label == f"PC{k + 1} ({pca.explained_variance_ratio_[k]:.1%} variance)"
    _assert_png(ax, tmp_path / "words.png")


@pytest.mark.parametrize("as_dict", [False, True])
def test_plot_words_groups_get_a_colour_and_a_legend_entry_each(kv, as_dict, tmp_path):
    groups = dict(zip(WORDS, GROUPS, strict=True)) if as_dict else GROUPS
    ax = plot_words(kv, WORDS, groups=groups, s=30)
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["royal", "fruit"]
    assert len(ax.collections) == 2 and _n_points(ax) == len(WORDS)
    colours = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert colours[0] != colours[1]
    assert [text.get_text() for text in ax.texts] == WORDS
    # each group's collection holds exactly the points labelled with its words
    points = _labelled_points(ax)
    for collection, members in zip(ax.collections, (WORDS[:3], WORDS[3:]), strict=True):
        np.testing.assert_allclose(collection.get_offsets(), [points[w] for w in members])
    _assert_png(ax, tmp_path / "groups.png")


def test_plot_words_on_a_given_axes_without_labels(kv):
    fig, ax = plt.subplots()
    assert plot_words(kv, WORDS, ax=ax, annotate=False) is ax
    assert len(fig.axes) == 1 and len(ax.texts) == 0 and _n_points(ax) == len(WORDS)


def test_plot_words_real_model_pca_matches_sklearn(model, tmp_path):
    assert all(word in model.vectors_.index for word in REAL_WORDS)
    ax = plot_words(model, REAL_WORDS)  # a fitted estimator: its vectors_ are used
    rows = model.vectors_.vectors[[model.vectors_.index[w] for w in REAL_WORDS]]
    expected = PCA(n_components=2).fit_transform(rows.astype(np.float64))
    points = _labelled_points(ax)
    _assert_same_up_to_sign(np.vstack([points[w] for w in REAL_WORDS]), expected)
    assert _n_points(ax) == len(REAL_WORDS)
    _assert_png(ax, tmp_path / "real_pca.png")


def test_plot_words_tsne_real_model(model, tmp_path):
    ax = plot_words(model.vectors_, REAL_WORDS, method="tsne", random_state=0, perplexity=3)
    assert _n_points(ax) == len(REAL_WORDS)
    assert [text.get_text() for text in ax.texts] == REAL_WORDS
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("t-SNE 1", "t-SNE 2")
    coords = np.asarray(ax.collections[0].get_offsets())
    assert np.all(np.isfinite(coords)) and np.ptp(coords, axis=0).min() > 0
    again = plot_words(model.vectors_, REAL_WORDS, method="tsne", random_state=0, perplexity=3)
    np.testing.assert_allclose(again.collections[0].get_offsets(), coords)
    _assert_png(ax, tmp_path / "real_tsne.png")


def test_plot_words_tsne_default_perplexity_with_few_words(kv):
    ax = plot_words(kv, WORDS[:3], method="tsne", random_state=0)  # perplexity 2
    assert _n_points(ax) == 3


def test_plot_words_composed_subword_words():
    kv = Vectors(["run", "##ning", "walk"], np.eye(3, dtype=np.float32),
                 analyzer=lambda word: ["run", "##ning"] if word == "running" else [word])
    ax = plot_words(kv, ["run", "running", "walk"])
    assert [text.get_text() for text in ax.texts] == ["run", "running", "walk"]


def test_unknown_words_are_all_listed(kv):
    with pytest.raises(KeyError, match=r"2 of 4 words .*'duke'.*'fig'"):
        plot_words(kv, ["king", "duke", "apple", "fig"])
    with pytest.raises(KeyError, match=r"'duke', 'fig'"):
        plot_similarity(kv, ["duke", "king", "fig"])
    assert plt.get_fignums() == []  # nothing drawn before the inputs were checked


@pytest.mark.parametrize(
    "kwargs, words, message",
    [
        ({}, ["king"], "PCA plot needs at least 2 words, got 1"),
        ({"method": "tsne"}, ["king", "queen"], "t-SNE plot needs at least 3 words, got 2"),
        ({"method": "tsne", "perplexity": 6}, WORDS, r"perplexity must be a number in \(0, 6\)"),
        ({}, "king", "not a single string"),
        ({}, ["king", "queen", "king"], "repeated: 'king'"),
        ({"groups": ["royal", "fruit"]}, WORDS, "one entry per word: 6 words, 2 groups"),
        ({"groups": {"king": "royal"}}, ["king", "pear"], "no group for 1 word.*'pear'"),
    ],
)
def test_plot_words_bad_input(kv, kwargs, words, message):
    with pytest.raises(ValueError, match=message):
        plot_words(kv, words, **kwargs)


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda kv: plot_words(kv, WORDS, method="umap"), "method"),
        (lambda kv: plot_words(kv, WORDS, method="tsne", perplexity=0), "perplexity"),
        (lambda kv: plot_words(kv, WORDS, method="tsne", perplexity=True), "perplexity"),
        (lambda kv: plot_words(kv, WORDS, groups="royal"), "groups"),
        (lambda kv: plot_words(kv, WORDS, random_state="seed"), "random_state"),
        (lambda kv: plot_words(kv, WORDS, annotate="yes"), "annotate"),
        (lambda kv: plot_words(kv, WORDS, ax=plt), "ax"),  # pyplot, not an Axes
        (lambda kv: plot_similarity(kv, WORDS, cmap=3), "cmap"),
        (lambda kv: plot_similarity(kv, WORDS, annotate=None), "annotate"),
        (lambda kv: plot_similarity(kv, WORDS, ax="axes"), "ax"),
        (lambda kv: plot_loss("1 2 3"), "estimator_or_losses"),
        (lambda kv: plot_loss(3.5), "estimator_or_losses"),
        (lambda kv: plot_loss([1.0], label=5), "label"),
    ],
)
def test_wrong_arguments_raise_invalid_parameter_error_naming_them(kv, call, parameter):
    with pytest.raises(ValueError, match=f"The '{parameter}' parameter of plot_\\w+ must be"
                       ) as caught:
        call(kv)
    assert type(caught.value).__name__ == "InvalidParameterError"
    assert plt.get_fignums() == []  # refused before anything was drawn


def test_documented_argument_types_are_accepted(kv):
    colormap = matplotlib.colormaps["magma"]
    ax = plot_similarity(kv, WORDS[:3], cmap=colormap, annotate=False)
    assert ax.images[0].get_cmap().name == "magma"
    ax = plot_words(kv, WORDS, groups=np.array(GROUPS), random_state=np.random.RandomState(0),
                    method="tsne", perplexity=2.5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["royal", "fruit"]
    assert len(plot_loss(np.array([3.0, 2.0])).lines[0].get_xdata()) == 2


def test_plot_words_one_dimensional_vectors():
    kv = Vectors(["a", "b", "c"], np.array([[1.0], [2.0], [3.0]]))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        plot_words(kv, ["a", "b", "c"])


def test_unfitted_or_wrong_objects_are_rejected():
    with pytest.raises(NotFittedError):
        plot_words(Word2VecTransformer(), WORDS)
    with pytest.raises(NotFittedError):
        plot_similarity(Word2VecTransformer(), WORDS)
    with pytest.raises(NotFittedError):
        plot_loss(Word2VecTransformer())
    with pytest.raises(TypeError, match="Vectors or a fitted embedding estimator"):
        plot_words(np.eye(3), WORDS)


# ------------------------------------------------------------- plot_similarity


def _cosine(matrix):
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1)
    out = np.zeros((len(matrix), len(matrix)))
    for i in range(len(matrix)):
        for j in range(len(matrix)):
            if norms[i] > 0 and norms[j] > 0:
                out[i, j] = matrix[i] @ matrix[j] / (norms[i] * norms[j])
    return out


def test_plot_similarity_heat_map(kv, tmp_path):
    words = ["king", "apple", "queen", "zero"]
    ax = plot_similarity(kv, words)
    expected = _cosine(MATRIX[[0, 3, 1, 6]])
    image = ax.images[0]
    np.testing.assert_allclose(np.asarray(image.get_array()), expected, atol=1e-6)
    assert image.get_clim() == (-1.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == words
    assert [t.get_text() for t in ax.get_yticklabels()] == words
    assert len(ax.figure.axes) == 2  # the heat map and its colorbar
    cells = [float(t.get_text()) for t in ax.texts]
    np.testing.assert_allclose(cells, expected.ravel(), atol=0.005)
    _assert_png(ax, tmp_path / "similarity.png")


def test_plot_similarity_real_model_without_annotations(model, tmp_path):
    fig, ax = plt.subplots()
    assert plot_similarity(model, REAL_WORDS, ax=ax, annotate=False, cmap="coolwarm") is ax
    rows = model.vectors_.vectors[[model.vectors_.index[w] for w in REAL_WORDS]]
    np.testing.assert_allclose(np.asarray(ax.images[0].get_array()), _cosine(rows), atol=1e-5)
    assert len(ax.texts) == 0 and ax.images[0].get_cmap().name == "coolwarm"
    _assert_png(ax, tmp_path / "real_similarity.png")


def test_plot_similarity_needs_two_words(kv):
    with pytest.raises(ValueError, match="at least 2 words, got 1"):
        plot_similarity(kv, ["king"])


# ------------------------------------------------------------------- plot_loss


def test_plot_loss_from_estimator(model, tmp_path):
    assert len(model.loss_curve_) == 3
    ax = plot_loss(model)
    line = ax.lines[0]
    np.testing.assert_array_equal(line.get_ydata(), model.loss_curve_)
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "training loss")
    _assert_png(ax, tmp_path / "loss.png")


def test_plot_loss_sequences_share_an_axes_with_a_legend(model):
    ax = plot_loss(model.loss_curve_, label="window=5")
    assert plot_loss([2.0, 1.5, 1.25, 1.2], ax=ax, label="other") is ax
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 2, 3, 4])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["window=5", "other"]


def test_plot_loss_empty_or_bad_curve(model):
    no_loss = Word2VecTransformer(vector_size=8, min_count=2, epochs=1, compute_loss=False,
                                  random_state=0)
    no_loss.fit(load_fortunes(subset="train", return_X_y=True)[0][:200])
    assert no_loss.loss_curve_ == []
    with pytest.raises(ValueError, match="loss curve is empty.*compute_loss=False"):
        plot_loss(no_loss)
    with pytest.raises(ValueError, match="loss curve is empty"):
        plot_loss([])
    with pytest.raises(ValueError, match="one-dimensional"):
        plot_loss([[1.0, 2.0]])
    assert plt.get_fignums() == []


# ------------------------------------------------------------- optional import


def test_import_works_and_calls_explain_without_matplotlib(monkeypatch, kv):
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)  # import of matplotlib now fails
    module = importlib.reload(skembed.plot)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        module.plot_words(kv, WORDS)
    with pytest.raises(ImportError, match="matplotlib"):
        module.plot_loss([1.0])


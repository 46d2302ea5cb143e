"""Plots of fitted word vectors: 2-D word maps, similarity heat maps and loss curves.

matplotlib is an optional dependency (``pip install matplotlib``, or ``pip install
".[plot]"`` in a clone of the repository). It is imported only when a plot is drawn, so
``import skembed.plot`` works without it.

Every function draws on the given matplotlib ``Axes``, or on a new figure when ``ax`` is
None, and returns the ``Axes``. None of them calls ``plt.show()``.
"""

from numbers import Real

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils.validation import check_is_fitted

from ._compat import HasMethods, Interval, StrOptions, validate_params
from ._vectors import as_vectors

__all__ = ["plot_loss", "plot_similarity", "plot_words"]

_METHODS = ("pca", "tsne")


def _pyplot():
    """Import and return ``matplotlib.pyplot``, or explain how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "skembed.plot needs matplotlib; install it with: pip install matplotlib"
        ) from exc
    return plt


# The vectors are checked by as_vectors (its TypeError lists what is accepted, as in io and
# evaluation) and the words by _check_words (which names a bare string as such).
_CHECKED_IN_BODY = "no_validation"


def _check_words(words, minimum, purpose):
    """Return ``words`` as a list of unique words, at least ``minimum`` of them."""
    if isinstance(words, str):
        raise ValueError(
            f"words must be a sequence of words, not a single string: got {words!r}"
        )
    words = list(words)
    seen, repeated = set(), []
    for word in words:
        if word in seen and word not in repeated:
            repeated.append(word)
        seen.add(word)
    if repeated:
        raise ValueError(f"words must be unique; repeated: {', '.join(map(repr, repeated))}")
    if len(words) < minimum:
        raise ValueError(f"{purpose} needs at least {minimum} words, got {len(words)}")
    return words


def _word_matrix(vectors, words):
    """Stack the vectors of ``words`` (float64), naming every unknown word on failure."""
    rows, unknown = [], []
    for word in words:
        try:
            rows.append(np.asarray(vectors.get_vector(word), dtype=np.float64))
        except KeyError:
            unknown.append(word)
    if unknown:
        raise KeyError(
            f"{len(unknown)} of {len(words)} words are not in the vocabulary: "
            f"{', '.join(map(repr, unknown))}"
        )
    return np.vstack(rows)


def _group_labels(groups, words):
    """Return the group of each word (in word order) and the groups in order of appearance."""
    if isinstance(groups, dict):
        missing = [word for word in words if word not in groups]
        if missing:
            raise ValueError(
                f"groups has no group for {len(missing)} word(s): "
                f"{', '.join(map(repr, missing))}"
            )
        labels = [groups[word] for word in words]
    else:
        if isinstance(groups, str):
            raise ValueError("groups must be a dict or a sequence, not a single string")
        labels = list(groups)
        if len(labels) != len(words):
            raise ValueError(
                f"groups must have one entry per word: {len(words)} words, "
                f"{len(labels)} groups"
            )
    order = list(dict.fromkeys(labels))
    return labels, order


def _project(matrix, method, random_state, perplexity):
    """Project the rows of ``matrix`` to 2-D; return coordinates and axis labels."""
    if method == "pca":
        if matrix.shape[1] < 2:
            raise ValueError("a PCA projection needs vectors of at least 2 dimensions")
        pca = PCA(n_components=2, random_state=random_state)
        coords = pca.fit_transform(matrix)
        axis_labels = [
            f"PC{i + 1} ({ratio:.1%} variance)"
            for i, ratio in enumerate(pca.explained_variance_ratio_)
        ]
        return coords, axis_labels
    n_words = len(matrix)
    if perplexity is None:
        perplexity = min(30.0, n_words - 1.0)
    elif (
        not isinstance(perplexity, Real)
        or isinstance(perplexity, bool)
        or not 0 < perplexity < n_words
    ):
        raise ValueError(
            f"perplexity must be a number in (0, {n_words}) for {n_words} words "
            f"(less than the number of words), got {perplexity!r}"
        )
    tsne = TSNE(
        n_components=2,
        perplexity=float(perplexity),
        metric="cosine",
        init="pca",
        random_state=random_state,
    )
    return tsne.fit_transform(matrix), ["t-SNE 1", "t-SNE 2"]


@validate_params(
    {
        "vectors": _CHECKED_IN_BODY,
        "words": _CHECKED_IN_BODY,
        "method": [StrOptions(set(_METHODS))],
        "groups": [dict, "array-like", None],
        "ax": [HasMethods(["scatter", "annotate", "set_xlabel"]), None],
        "random_state": ["random_state"],
        "perplexity": [Interval(Real, 0, None, closed="neither"), None],
        "annotate": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def plot_words(
    vectors,
    words,
    *,
    method="pca",
    groups=None,
    ax=None,
    random_state=None,
    perplexity=None,
    annotate=True,
    **scatter_kw,
):
    """Scatter plot of a 2-D projection (PCA or t-SNE) of the vectors of some words.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, pipeline or gensim KeyedVectors
        The word vectors, or a fitted ``Word2VecTransformer``, ``FastTextTransformer`` or
        ``GloVeTransformer`` (its ``vectors_`` is used), alone, in a fitted pipeline or in
        a ``FrozenEstimator``; or gensim's vectors (see
        [fitted_vectors][skembed.evaluation.fitted_vectors]). Words that are not tokens may be
        plotted when the vectors compose them from subword tokens (fastText).
    words : sequence of str
        The words to plot, unique; at least 2 for PCA and 3 for t-SNE.
    method : {"pca", "tsne"}, default="pca"
        ``"pca"``: scikit-learn ``PCA`` of the raw vectors, axes labelled with the share
        of variance of each component. ``"tsne"``: scikit-learn ``TSNE`` with cosine
        distances and PCA initialisation.
    groups : dict or sequence, default=None
        Group of each word, as a dict ``word -> group`` (with every word as a key) or a
        sequence aligned with ``words``. Each group is drawn in its own colour and has
        one legend entry, in order of first appearance.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure is created when None.
    random_state : int, RandomState instance or None, default=None
        Seed of the projection (t-SNE; PCA is deterministic on small inputs).
    perplexity : float, default=None
        The t-SNE perplexity, less than the number of words; None means
        ``min(30, n_words - 1)``. Ignored by PCA.
    annotate : bool, default=True
        Write each word next to its point.
    **scatter_kw
        Passed to ``Axes.scatter`` (for example ``s``, ``marker`` or ``alpha``).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on: one scatter collection per group (one in all without
        ``groups``) and, with ``annotate``, one text per word in the order of ``words``.

    Raises
    ------
    KeyError
        If some words are unknown; the message names all of them.
    ValueError
        For too few or repeated words, ``groups`` that do not match the words, or a
        ``perplexity`` not below the number of words; for an unknown ``method``,
        ``groups`` that is neither a dict nor a sequence, or a ``perplexity`` that is not
        a positive number, scikit-learn's ``InvalidParameterError`` (a ``ValueError``)
        names the parameter.
    TypeError
        If ``vectors`` holds no word vectors.
    sklearn.exceptions.NotFittedError
        If given an estimator that is not fitted.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_similarity : Cosine-similarity heat map of words.

    Notes
    -----
    PCA works on the raw vectors, so vector length (which grows with token frequency in
    word2vec) shapes the map as well as direction. t-SNE preserves local neighbourhoods
    only: distances between far-apart clusters, and cluster sizes, mean little. With a
    few words a small ``perplexity`` suits t-SNE better than the default.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.plot import plot_words
    >>> kv = Vectors(["king", "queen", "man", "woman"],
    ...              np.array([[1, 1, 0], [1, -1, 0], [0.9, 1.1, 0.1], [0.9, -0.9, 0.1]]))
    >>> ax = plot_words(kv, ["king", "queen", "man", "woman"],
    ...                 groups=["royal", "royal", "common", "common"])
    >>> [text.get_text() for text in ax.texts]
    ['king', 'queen', 'man', 'woman']
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['royal', 'common']
    >>> ax.get_xlabel()
    'PC1 (99.5% variance)'
    >>> plt.close(ax.figure)
    """
    plt = _pyplot()
    kv = as_vectors(vectors, what="vectors")
    minimum = 2 if method == "pca" else 3
    words = _check_words(words, minimum, "a PCA plot" if method == "pca" else "a t-SNE plot")
    labels, order = (None, None) if groups is None else _group_labels(groups, words)
    coords, axis_labels = _project(_word_matrix(kv, words), method, random_state, perplexity)

    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    if groups is None:
        ax.scatter(coords[:, 0], coords[:, 1], **scatter_kw)
    else:
        for group in order:
            mask = np.array([label == group for label in labels])
            ax.scatter(coords[mask, 0], coords[mask, 1], label=str(group), **scatter_kw)
        ax.legend()
    if annotate:
        for word, (x, y) in zip(words, coords, strict=True):
            ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", fontsize="small")
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.margins(0.1)
    return ax


def _cosine_matrix(matrix):
    """Cosine similarity of the rows; a zero row has similarity 0 to everything."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return np.clip(unit @ unit.T, -1.0, 1.0)


@validate_params(
    {
        "vectors": _CHECKED_IN_BODY,
        "words": _CHECKED_IN_BODY,
        "ax": [HasMethods(["imshow", "set_xticks"]), None],
        "annotate": ["boolean"],
        "cmap": [str, callable],
    },
    prefer_skip_nested_validation=True,
)
def plot_similarity(vectors, words, *, ax=None, annotate=True, cmap="viridis"):
    """Heat map of the cosine similarities of some words to each other.

    Parameters
    ----------
    vectors : Vectors, fitted estimator, pipeline or gensim KeyedVectors
        The word vectors, or a fitted embedding estimator (its ``vectors_`` is used),
        found as for [plot_words][skembed.plot.plot_words].
    words : sequence of str
        The words, unique, at least 2; rows and columns follow this order.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure is created when None.
    annotate : bool, default=True
        Write each similarity (two decimals) in its cell.
    cmap : str or matplotlib Colormap, default="viridis"
        Colour map, spanning similarities from -1 to 1.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on; the heat map is ``ax.images[0]`` and a colorbar sits beside it.

    Raises
    ------
    KeyError
        If some words are unknown; the message names all of them.
    ValueError
        For fewer than 2 or repeated words.
    TypeError
        If ``vectors`` holds no word vectors.
    sklearn.exceptions.NotFittedError
        If given an estimator that is not fitted.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_words : 2-D projection of word vectors.

    Notes
    -----
    The colour scale is fixed to [-1, 1], so maps drawn from different models or word
    lists can be compared by colour. A zero vector has similarity 0 to every word,
    itself included.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from skembed import Vectors
    >>> from skembed.plot import plot_similarity
    >>> kv = Vectors(["cat", "dog", "car"], np.array([[1.0, 0.2], [0.9, 0.3], [-0.2, 1.0]]))
    >>> ax = plot_similarity(kv, ["cat", "dog", "car"])
    >>> ax.images[0].get_array().shape
    (3, 3)
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['cat', 'dog', 'car']
    >>> plt.close(ax.figure)
    """
    plt = _pyplot()
    kv = as_vectors(vectors, what="vectors")
    words = _check_words(words, 2, "a similarity heat map")
    similarity = _cosine_matrix(_word_matrix(kv, words))

    n_words = len(words)
    if ax is None:
        side = min(max(4.0, 0.5 * n_words + 2.0), 20.0)
        _, ax = plt.subplots(figsize=(side + 1.0, side), layout="constrained")
    image = ax.imshow(similarity, cmap=cmap, vmin=-1.0, vmax=1.0, interpolation="nearest")
    ticks = np.arange(n_words)
    ax.set_xticks(ticks, labels=words, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(ticks, labels=words)
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.set_label("cosine similarity")
    if annotate:
        for (row, col), value in np.ndenumerate(similarity):
            red, green, blue, _ = image.cmap(image.norm(value))
            light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize="small",
                    color="black" if light else "white")
    return ax


@validate_params(
    {
        "estimator_or_losses": [HasMethods(["fit"]), "array-like"],
        "ax": [HasMethods(["plot", "set_xlabel"]), None],
        "label": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_loss(estimator_or_losses, *, ax=None, label=None):
    """Line plot of the training loss per epoch.

    Parameters
    ----------
    estimator_or_losses : fitted estimator or sequence of float
        A fitted ``Word2VecTransformer``, ``FastTextTransformer`` or
        ``GloVeTransformer`` (its ``loss_curve_`` is used), or the losses themselves,
        one per epoch.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure is created when None. Call again with the same
        ``ax`` to compare runs.
    label : str, default=None
        Legend label of the curve; when given, the legend is (re)drawn.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on; the curve is its last line, with epochs 1, 2, ... as x.

    Raises
    ------
    ValueError
        If the curve is empty (for example a model fitted with ``compute_loss=False``)
        or not one-dimensional.
    TypeError
        If the estimator records no loss curve.
    sklearn.exceptions.NotFittedError
        If given an estimator that is not fitted.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skembed.plot import plot_loss
    >>> ax = plot_loss([3.1, 2.4, 2.2], label="window=5")
    >>> ax.lines[0].get_xdata().tolist()
    [1, 2, 3]
    >>> plt.close(ax.figure)
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    source = estimator_or_losses
    if hasattr(source, "fit"):
        check_is_fitted(source)
        if not hasattr(source, "loss_curve_"):
            raise TypeError(f"{type(source).__name__} records no loss_curve_")
        source = source.loss_curve_
    if isinstance(source, str):
        raise ValueError("the losses must be a sequence of numbers, not a string")
    losses = np.asarray(source, dtype=np.float64)
    if losses.ndim != 1:
        raise ValueError(f"the losses must be one-dimensional, got shape {losses.shape}")
    if losses.size == 0:
        raise ValueError(
            "the loss curve is empty: no loss was recorded (was the model fitted with "
            "compute_loss=False?)"
        )

    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    epochs = np.arange(1, losses.size + 1)
    ax.plot(epochs, losses, marker="o", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if label is not None:
        ax.legend()
    return ax

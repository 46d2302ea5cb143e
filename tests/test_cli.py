"""The command line, run as users run it."""

import gzip
import io
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import clone

from skembed import FastTextTransformer, GloVeTransformer, Word2VecTransformer
from skembed._cli import main, parse_value
from skembed._progress import EpochProgress
from skembed.datasets import load_analogy_questions
from skembed.evaluation import evaluate_analogies, evaluate_word_pairs
from skembed.io import load_vectors, save_vectors

SENTENCES = [
    "The king and the queen live in the castle.",
    "A man and a woman walk to the city.",
    "The king is a man and the queen is a woman.",
    "Paris is the capital of France.",
    "Berlin is the capital of Germany.",
    "The cat sat on the mat near the dog.",
    "The dog chased the cat around the garden.",
    "The prince and the princess ride to the castle.",
]
MODELS = {"word2vec": Word2VecTransformer, "fasttext": FastTextTransformer,
          "glove": GloVeTransformer}
SMALL = ["--min-count", "1", "--epochs", "2", "--vector-size", "8", "--seed", "0"]
# Output name and the format to load it with, for every output format.
OUTPUTS = {
    "word2vec": ("vectors.txt.gz", "auto"),  # compressed word2vec text
    "word2vec-binary": ("vectors.bin", "auto"),
    "fasttext": ("vectors.vec", "auto"),
    "native": ("vectors.npz", "auto"),
    "glove": ("vectors.glove", "glove"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A plain and a gzip corpus file: 240 short lines of real sentences in all."""
    folder = tmp_path_factory.mktemp("corpus")
    plain, packed = folder / "part1.txt", folder / "part2.txt.gz"
    plain.write_text("\n".join(SENTENCES * 15) + "\n", encoding="utf-8")
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(reversed(SENTENCES * 15)) + "\n")
    return [str(plain), str(packed)]


@pytest.fixture(scope="module")
def reference(corpus):
    """The vectors each model learns from the corpus with the settings of SMALL."""
    return {name: cls(vector_size=8, min_count=1, epochs=2, random_state=0, input="filename")
            .fit(corpus).vectors_ for name, cls in MODELS.items()}


@pytest.fixture(scope="module")
def vectors_file(reference, tmp_path_factory):
    path = tmp_path_factory.mktemp("vectors") / "word2vec.txt"
    save_vectors(reference["word2vec"], path)
    return str(path)


def assert_one_error_line(stderr):
    # Besides the progress line that train prints before reading the corpus.
    lines = [line for line in stderr.strip().splitlines()
             if not line.startswith("reading and counting ")]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("skembed: error: ")
    assert "Traceback" not in stderr


# ---------------------------------------------------------------- the original two


def test_help_and_version(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
    result = subprocess.run(
        [sys.executable, "-m", "skembed", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("skembed ")


def test_unknown_command_is_one_readable_error():
    result = subprocess.run(
        [sys.executable, "-m", "skembed", "frobnicate"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["train", "evaluate", "neighbors"])
def test_every_command_has_help_with_examples(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: skembed {command}") and "examples:" in out
    assert main(["--help"]) == 0
    assert command in capsys.readouterr().out


# ------------------------------------------------------------------------ train


@pytest.mark.parametrize("output_format", list(OUTPUTS))
@pytest.mark.parametrize("model", list(MODELS))
def test_train_every_model_in_every_format(model, output_format, corpus, reference,
                                           tmp_path, capsys):
    name, load_format = OUTPUTS[output_format]
    output = tmp_path / name
    argv = ["train", model, *corpus, "-o", str(output), *SMALL, "--quiet"]
    if load_format != "auto":
        argv += ["--format", output_format]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # --quiet
    summary = captured.out.strip().splitlines()
    assert len(summary) == 1
    expected = reference[model]
    assert (f"{len(expected):,} tokens x 8 dimensions" in summary[0]
            and str(output) in summary[0] and f"({output_format} format)" in summary[0])

    loaded = load_vectors(output, format=load_format)
    assert loaded.vectors.shape == (len(expected), 8)
    assert loaded.tokens == expected.tokens
    assert {"king", "queen", "castle", "germany"} <= set(loaded.tokens)
    # One thread and a seed: the command trains exactly what the estimator trains.
    np.testing.assert_array_equal(loaded.vectors, expected.vectors)


def test_params_reach_the_estimator(corpus, tmp_path, capsys):
    output = tmp_path / "cbow.npz"
    argv = ["train", "word2vec", *corpus, "-o", str(output), *SMALL, "--quiet",
            "--param", "architecture=cbow", "--param", "sample=0", "--param", "lowercase=false"]
    assert main(argv) == 0
    expected = Word2VecTransformer(vector_size=8, min_count=1, epochs=2, random_state=0,
                                   input="filename", architecture="cbow", sample=0,
                                   lowercase=False).fit(corpus).vectors_
    loaded = load_vectors(output)
    assert "The" in loaded.tokens and loaded.tokens == expected.tokens
    np.testing.assert_array_equal(loaded.vectors, expected.vectors)


@pytest.mark.parametrize(("text", "value"), [
    ("3", 3), ("-1", -1), ("0.5", 0.5), ("1e-3", 1e-3), ("true", True), ("False", False),
    ("none", None), ("None", None), ("cbow", "cbow"), ("", ""),
])
def test_param_values_are_parsed(text, value):
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


# --------------------------------------------------------------------- progress


def test_progress_is_one_line_per_epoch_when_not_a_terminal(corpus, tmp_path, capsys):
    argv = ["train", "glove", *corpus, "-o", str(tmp_path / "v.txt"), "--min-count", "1",
            "--epochs", "3", "--vector-size", "8"]
    assert main(argv) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "reading and counting 2 file(s)..."
    assert len(lines) == 4 and "\r" not in "".join(lines)
    for k, line in enumerate(lines[1:], start=1):
        assert line.startswith(f"epoch {k}/3 (") and "entries/s" in line and "loss" in line
        assert "ETA" in line


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_redraws_one_line_with_bar_and_eta_on_a_terminal():
    stream = FakeTerminal()
    Word2VecTransformer(vector_size=8, min_count=1, epochs=3, random_state=0,
                        callbacks=[EpochProgress(stream)]).fit(SENTENCES * 5)
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn with \r
    frames = text.rstrip("\n").split("\r")[1:]
    assert frames[0].startswith("[....") and "epoch 1/3" in frames[0]
    assert "ETA -:--:--" in frames[0]
    assert any("epoch 2/3" in f and "33%" in f and "words/s" in f and "loss" in f
               and "ETA 0:" in f for f in frames)
    assert frames[-1].startswith("[####") and "100%" in frames[-1] and "took" in frames[-1]
    assert len({f.index("]") for f in frames}) == 1  # the bar keeps its width


def test_progress_takes_any_logs_and_clones_fresh():
    stream = io.StringIO()
    progress = EpochProgress(stream)
    estimator = SimpleNamespace(epochs=2)
    progress.on_train_begin(estimator)
    progress.on_epoch_begin(estimator, 0)
    progress.on_epoch_end(estimator, 0, {"seconds": 0.5, "loss": None,
                                         "entries_per_second": 2000.0})
    progress.on_train_end(estimator, {})
    assert stream.getvalue() == "epoch 1/2 (50%): 2,000 entries/s, 0.50 s, ETA 0:00:00\n"
    # Estimators clone their callbacks: a clone is fresh and writes to the same stream.
    copy = clone(Word2VecTransformer(callbacks=[progress])).callbacks[0]
    assert copy is not progress and copy.stream is stream


# --------------------------------------------------------------------- evaluate


@pytest.fixture(scope="module")
def test_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tests")
    analogies = folder / "questions.txt"
    analogies.write_text(": royalty\nman king woman queen\nprince king princess queen\n"
                         ": capitals\nparis france berlin germany\nrome italy paris france\n",
                         encoding="utf-8")
    pairs = folder / "pairs.tsv"
    pairs.write_text("# word1\tword2\tscore\nking\tqueen\t8.5\nman\twoman\t8\ncat\tdog\t7\n"
                     "paris\tberlin\t6\ncastle\tgarden\t3\nking\tmat\t1\nemu\tcat\t4\n",
                     encoding="utf-8")
    return str(analogies), str(pairs)


def row_of(out, path):
    (line,) = [line for line in out.splitlines() if line.startswith(path)]
    return line[len(path):].split()


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_evaluate_prints_the_library_scores(vectors_file, test_files, method, capsys):
    analogies, pairs = test_files
    argv = ["evaluate", vectors_file, "--analogies", analogies, "--pairs", pairs,
            "--method", method]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:5] == ["file", "kind", "metric", "score", "coverage"]
    vectors = load_vectors(vectors_file)

    expected = evaluate_analogies(vectors, analogies, method=method)
    kind, metric, score, coverage = row_of(out, analogies)[:4]
    assert (kind, metric) == (f"analogies/{method}", "accuracy")
    assert score == f"{expected.accuracy:.4f}" and coverage == f"{expected.coverage:.1%}"
    assert f"{expected.correct} correct of {expected.answered} answered" in out

    expected = evaluate_word_pairs(vectors, pairs)
    row = row_of(out, pairs)
    assert row[:5] == ["word", "pairs", "spearman", f"{expected.spearman:.4f}",
                       f"{expected.coverage:.1%}"]
    assert expected.n_known == 6 and "6 of 7 pairs known" in out


def test_evaluate_needs_a_test_file(vectors_file, capsys):
    assert main(["evaluate", vectors_file]) == 2
    assert_one_error_line(capsys.readouterr().err)


def test_evaluate_reaches_the_shipped_analogy_questions_by_name(vectors_file, test_files,
                                                                 tmp_path, monkeypatch, capsys):
    assert main(["evaluate", vectors_file, "--analogies", "google"]) == 0
    out = capsys.readouterr().out
    expected = evaluate_analogies(load_vectors(vectors_file),
                                  load_analogy_questions(as_path=True))
    assert expected.total == 19544 and expected.answered > 0
    row = row_of(out, "google (built-in)")
    assert row[:3] == ["analogies/3cosadd", "accuracy", f"{expected.accuracy:.4f}"]
    assert (f"{expected.correct} correct of {expected.answered} answered (19544 questions)"
            in out)

    # A file that happens to be called google is read as ./google.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "google").write_text(open(test_files[0], encoding="utf-8").read(),
                                     encoding="utf-8")
    assert main(["evaluate", vectors_file, "--analogies", "./google"]) == 0
    (line,) = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith("./google ")]
    assert line.endswith(" answered (4 questions)")


def test_evaluate_help_names_the_built_in_questions(capsys):
    assert main(["evaluate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "or 'google' for the Google analogy questions shipped with skembed" in out
    assert "skembed evaluate vectors.bin --analogies google" in out


# -------------------------------------------------------------------- neighbors


def test_neighbors_and_analogies(vectors_file, capsys):
    argv = ["neighbors", vectors_file, "king", "cat", "--topn", "3",
            "--analogy", "man", "king", "woman"]
    assert main(argv) == 0
    blocks = capsys.readouterr().out.strip().split("\n\n")
    vectors = load_vectors(vectors_file)
    expected = {"king": vectors.most_similar("king", topn=3),
                "cat": vectors.most_similar("cat", topn=3),
                "man : king :: woman : ?": vectors.analogy("man", "king", "woman", topn=3)}
    assert len(blocks) == 3
    for block in blocks:
        title, *rows = block.splitlines()
        assert [row.split() for row in rows] == [[token, f"{score:.3f}"]
                                                 for token, score in expected[title]]


def test_unknown_word_is_one_error_and_status_1(vectors_file, capsys):
    assert main(["neighbors", vectors_file, "zyzzyva", "king", "--topn", "2"]) == 1
    captured = capsys.readouterr()
    assert_one_error_line(captured.err)
    assert "'zyzzyva' is not in the vocabulary" in captured.err
    assert captured.out.splitlines()[0] == "king"  # the known word is still answered
    assert len(captured.out.strip().splitlines()) == 3


# ----------------------------------------------------------------------- errors


@pytest.fixture(scope="module")
def malformed_vectors(tmp_path_factory):
    path = tmp_path_factory.mktemp("bad") / "malformed.txt"
    path.write_text("2 3\nking 0.1 0.2 0.3\nqueen 0.1 zero 0.3\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("argv", "status", "message"), [
    (["train", "bert", "{corpus}", "-o", "{out}.bin"], 2, "invalid choice: 'bert'"),
    (["train", "word2vec", "{corpus}", "-o", "{out}.bin", "--param", "windw=3"], 2,
     "did you mean 'window'"),
    (["train", "word2vec", "{corpus}", "-o", "{out}.bin", "--param", "input=content"], 2,
     "set by the train command"),
    (["train", "word2vec", "{corpus}", "-o", "{out}.bin", "--param", "sample"], 2,
     "expected NAME=VALUE"),
    (["train", "word2vec", "{corpus}", "-o", "{out}.bin", "--epochs", "0"], 2,
     "'epochs' parameter of Word2VecTransformer"),
    (["train", "fasttext", "{corpus}", "-o", "{out}.bin", "--param", "sample=often"], 2,
     "'sample' parameter"),
    (["train", "glove", "{corpus}", "-o", "{out}.bin", "--window", "3",
      "--param", "window=4"], 2, "given twice"),
    (["train", "word2vec", "{corpus}", "-o", "{out}.vectors"], 2, "output format"),
    (["train", "word2vec", "{corpus}", "-o", "{tmp}/no/such/folder/v.bin"], 1,
     "does not exist"),
    (["train", "word2vec", "{tmp}/missing.txt", "-o", "{out}.bin"], 1,
     "corpus file '{tmp}/missing.txt' does not exist"),
    (["train", "word2vec", "{punctuation}", "-o", "{out}.bin"], 1, "contain no tokens"),
    (["evaluate", "{malformed}", "--pairs", "{pairs}"], 1, "line 3"),
    (["evaluate", "{vectors}", "--analogies", "{tmp}/missing.txt"], 1, "does not exist"),
    (["evaluate", "{vectors}", "--analogies", "googel"], 1,
     "analogies file 'googel' does not exist (built-in question sets, given by name: "
     "google)"),
    (["evaluate", "{vectors}", "--pairs", "{analogies}"], 1, "expected 'word1"),
    (["neighbors", "{malformed}", "king"], 1, "'zero' is not a number"),
    (["neighbors", "{tmp}/missing.txt", "king"], 1, "does not exist"),
    (["neighbors", "{vectors}"], 2, "give at least one WORD"),
    (["neighbors", "{vectors}", "king", "--topn", "0"], 2, "expected an integer >= 1"),
])
def test_mistakes_are_one_error_line(argv, status, message, corpus, vectors_file, test_files,
                                     malformed_vectors, tmp_path, capsys):
    punctuation = tmp_path / "punctuation.txt"
    punctuation.write_text("!!! ...\n?? --\n", encoding="utf-8")
    names = {"corpus": corpus[0], "out": str(tmp_path / "out"), "tmp": str(tmp_path),
             "punctuation": str(punctuation), "malformed": malformed_vectors,
             "vectors": vectors_file, "analogies": test_files[0], "pairs": test_files[1]}
    assert main([arg.format(**names) for arg in argv]) == status
    captured = capsys.readouterr()
    assert_one_error_line(captured.err)
    assert message.format(**names) in captured.err
    assert not list(tmp_path.glob("out*"))  # nothing written


def test_mistakes_through_the_real_entry_point(corpus, malformed_vectors, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "skembed", *args],
                              capture_output=True, text=True, timeout=120)

    missing = run("train", "word2vec", str(tmp_path / "missing.txt"), "-o",
                  str(tmp_path / "v.bin"))
    assert missing.returncode == 1 and missing.stdout == ""
    assert_one_error_line(missing.stderr)
    assert "missing.txt' does not exist" in missing.stderr

    malformed = run("neighbors", malformed_vectors, "king")
    assert malformed.returncode == 1
    assert_one_error_line(malformed.stderr)
    assert "line 3" in malformed.stderr

"""Intrinsic evaluation of word vectors: analogies, word-pair similarity, and model selection.

Trains Word2Vec on every text of the built-in fortunes dataset (labels ignored) and
tests the vectors without any classifier:

* ``skembed.evaluation.evaluate_analogies``: "a is to b as c is to d" questions,
  answered by 3CosAdd and 3CosMul, with accuracy per section and the coverage (the
  share of questions whose words all have vectors).
* ``skembed.evaluation.evaluate_word_pairs``: Spearman correlation between human
  similarity scores of word pairs and the cosine similarity of their vectors, with
  coverage.
* ``skembed.evaluation.make_word_pairs_scorer``: the word-pair Spearman as the
  ``scoring`` of a small unsupervised ``GridSearchCV`` over ``window`` (``fit(texts)``
  without labels; the scorer ignores the held-out texts and tests the vectors).

Two small test sets written in this script always run: analogy questions and scored
word pairs over words that occur in the fortunes texts. Their scores are our own
judgements, not a published dataset; they only show the mechanics. When the shared
evaluation files (``questions-words.txt``, ``wordsim353.tsv``, ``simlex999.txt`` in
``../shared/data/eval`` next to the repository) exist, they are evaluated too; a
missing file is skipped with a message. The fortunes corpus is tiny (about 250,000
tokens), so expect low scores and low coverage on those standard sets.

Run::

    python examples/intrinsic_evaluation.py
"""

import time
from pathlib import Path

from sklearn.model_selection import GridSearchCV, KFold

from skembed import Word2VecTransformer
from skembed.datasets import load_fortunes
from skembed.evaluation import evaluate_analogies, evaluate_word_pairs, make_word_pairs_scorer

SEED = 0
SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"

# "a b c d": a is to b as c is to d. Every word occurs at least 8 times in the texts.
ANALOGIES = """\
: family
man woman boy girl
man woman father mother
man woman husband wife
man woman he she
he she his her
he she him her
boy girl father mother
father mother husband wife
husband wife boy girl
son daughter father mother
: plural
man men woman women
computer computers program programs
program programs system systems
user users programmer programmers
friend friends child children
day days year years
word words thing things
: comparative
good better bad worse
big bigger small smaller
hard harder easy easier
old older young younger
long longer great greater
: verb-ing
run running write writing
read reading think thinking
work working play playing
eat eating drink drinking
go going work working
""".splitlines()

# word1, word2, similarity or relatedness from 0 (unrelated) to 10 (near synonyms).
WORD_PAIRS = [
    ("unix", "linux", 9.0), ("god", "lord", 9.0), ("husband", "wife", 8.0),
    ("father", "mother", 8.0), ("boy", "girl", 8.0), ("computer", "software", 8.0),
    ("kirk", "spock", 8.0), ("beer", "wine", 8.0), ("beer", "drink", 8.0),
    ("food", "eat", 8.0), ("program", "programmer", 7.5), ("computer", "program", 7.0),
    ("man", "woman", 7.0), ("law", "government", 7.0), ("president", "government", 7.0),
    ("money", "pay", 7.0), ("book", "read", 7.0), ("science", "theory", 6.5),
    ("software", "hardware", 6.5), ("war", "peace", 6.0), ("sun", "moon", 6.0),
    ("morning", "night", 5.5), ("love", "hate", 5.0), ("dog", "cat", 5.5),
    ("car", "house", 3.0), ("music", "moon", 1.5), ("water", "kernel", 1.0),
    ("computer", "beer", 1.0), ("kirk", "software", 1.0), ("tree", "president", 0.5),
    ("wine", "disk", 0.5), ("love", "disk", 0.5), ("food", "unix", 0.5),
    ("bread", "theory", 0.5),
]


def report_analogies(vectors, questions, name):
    """Print the per-section table of 3CosAdd and the totals of both methods."""
    results = {method: evaluate_analogies(vectors, questions, method=method)
               for method in ("3cosadd", "3cosmul")}
    add = results["3cosadd"]
    print(f"\n{name}: {add.total:,} questions, {add.answered:,} answerable "
          f"(coverage {add.coverage:.1%})")
    for reason, count in add.skipped.items():
        print(f"  skipped {count:,}: {reason}")
    print("3CosAdd, per section:")
    print(add.table())
    for method, result in results.items():
        accuracy = "-" if result.accuracy is None else f"{result.accuracy:.3f}"
        print(f"{method} accuracy: {accuracy} ({result.correct}/{result.answered})")
    return results


def report_word_pairs(vectors, pairs, name):
    """Print Spearman, Pearson and coverage of a word-pair set."""
    result = evaluate_word_pairs(vectors, pairs)
    print(f"{name:34s} Spearman {result.spearman:6.3f} (p={result.spearman_pvalue:.2g})  "
          f"Pearson {result.pearson:6.3f}  coverage {result.n_known}/{result.n_pairs} "
          f"({result.coverage:.0%})")
    return result


def main():
    texts, _ = load_fortunes(subset="all", return_X_y=True)  # labels ignored
    start = time.perf_counter()
    model = Word2VecTransformer(vector_size=50, epochs=20, n_jobs=2, random_state=SEED)
    model.fit(texts)
    print(f"Word2Vec on {len(texts):,} fortunes texts: {model.vectors_} in "
          f"{time.perf_counter() - start:.1f} s")

    # Analogies: the inline set always, the Google set when it is there.
    report_analogies(model, ANALOGIES, "inline analogies")
    google = SHARED_EVAL / "questions-words.txt"
    if google.is_file():
        report_analogies(model, google, google.name)
    else:
        print(f"\nskipping the Google analogy set: {google} does not exist "
              "(it is part of the shared data, not of the repository)")

    # Word pairs: the inline set always, WordSim-353 and SimLex-999 when they are there.
    print()
    report_word_pairs(model, WORD_PAIRS, "inline word pairs")
    for file_name in ("wordsim353.tsv", "simlex999.txt"):
        path = SHARED_EVAL / file_name
        if path.is_file():
            report_word_pairs(model, path, file_name)
        else:
            print(f"skipping {file_name}: {path} does not exist")

    # Model selection by an intrinsic score: no labels anywhere.
    search = GridSearchCV(
        Word2VecTransformer(vector_size=50, epochs=10, n_jobs=2, random_state=SEED),
        {"window": [2, 5]},
        scoring=make_word_pairs_scorer(WORD_PAIRS),
        cv=KFold(n_splits=2, shuffle=True, random_state=SEED),
    )
    start = time.perf_counter()
    search.fit(texts)
    print(f"\nGridSearchCV over window, scored by the inline word-pair Spearman "
          f"(cv=2, {time.perf_counter() - start:.1f} s):")
    for params, mean, std in zip(search.cv_results_["params"],
                                 search.cv_results_["mean_test_score"],
                                 search.cv_results_["std_test_score"], strict=True):
        print(f"  window={params['window']}: Spearman {mean:.3f} +- {std:.3f}")
    print(f"best window: {search.best_params_['window']} "
          f"(refitted on all texts, Spearman {search.score(texts):.3f})")


if __name__ == "__main__":
    main()

"""One-hot bag-of-words features in a scikit-learn pipeline, with a grid search over the tokenizer.

Run: python examples/onehot_pipeline.py
"""

from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skembed import OneHotWordEncoder
from skembed.datasets import load_fortunes

train_texts, train_labels = load_fortunes(subset="train", return_X_y=True)
test_texts, test_labels = load_fortunes(subset="test", return_X_y=True)

pipeline = make_pipeline(OneHotWordEncoder(), LogisticRegression(max_iter=2000))
search = GridSearchCV(
    pipeline,
    {"onehotwordencoder__tokenizer": ["word", "bpe"]},
    cv=3,
    n_jobs=2,
)
search.fit(train_texts, train_labels)
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy: {search.score(test_texts, test_labels):.3f}")

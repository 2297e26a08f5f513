"""
Normalize embeddings and features, then classify
================================================

Embeddings such as FaceNet's are compared by cosine similarity, which is the
dot product of L2-normalized vectors. This example

1. L2-normalizes a batch of (synthetic) embeddings with
   :func:`~sklearn_norm.l2_normalize`;
2. normalizes a small 3-D array over all of it and over two axes;
3. puts :class:`~sklearn_norm.L2Normalizer` (rows) and
   :class:`~sklearn_norm.L1Normalizer` with ``axis=0`` (columns, norms
   learned on the training set) in a Pipeline and tunes a classifier with
   ``GridSearchCV``;
4. keeps sparse features sparse.
"""

# %%
# Cosine similarity of embeddings
# -------------------------------
# ``l2_normalize`` divides along the last axis by default: each embedding
# gets unit length, and the dot products of the unit vectors are the cosine
# similarities.
import numpy as np
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_norm import L1Normalizer, L2Normalizer, l1_normalize, l2_normalize

rng = np.random.default_rng(0)
embeddings = rng.standard_normal((5, 128)).astype(np.float32)
unit = l2_normalize(embeddings)  # axis=-1: each embedding to unit length
cosine = unit @ unit.T
print("embedding norms after l2_normalize:", np.linalg.norm(unit, axis=1).round(6))
print(f"cosine similarity of embedding 0 and 1: {cosine[0, 1]:.4f}")

# %%
# Arrays of any dimension
# -----------------------
# A 3-D array divided by its L1 norm (``axis=None``: the sum of all absolute
# values), then by the L2 norm over axes 1 and 2.
a = np.arange(12).reshape([1, 3, 4])
print(l1_normalize(a), "\n")
print(l2_normalize(a, (1, 2)), "\n")

# %%
# Normalizers in a Pipeline
# -------------------------
# ``L1Normalizer(axis=0)`` scales each column by its L1 norm, learned in
# ``fit`` on the training rows; ``L2Normalizer()`` then puts each row on the
# unit sphere. ``GridSearchCV`` tunes the row normalizer's ``epsilon`` (the
# floor of a norm) with the classifier's ``C``.
X, y = make_classification(n_samples=600, n_features=20, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
pipe = make_pipeline(L1Normalizer(axis=0), L2Normalizer(), LogisticRegression())
search = GridSearchCV(
    pipe,
    {
        "l2normalizer__epsilon": [1e-10, 1e-2],
        "logisticregression__C": [0.1, 1.0, 10.0],
    },
    cv=3,
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"test accuracy: {search.score(X_test, y_test):.3f}")

# %%
# The column norms learned on the training rows are reused on new rows.
column_normalizer = search.best_estimator_.named_steps["l1normalizer"]
print("first learned column L1 norms:", column_normalizer.norms_[:3].round(2))

# %%
# Sparse input stays sparse
# -------------------------
# A CSR matrix (such as word counts) comes back as a CSR matrix with the same
# non-zeros: nothing is densified.
counts = sp.random(1000, 5000, density=0.002, format="csr", random_state=0)
tfidf_like = L2Normalizer().fit_transform(counts)
print(
    "sparse output:",
    type(tfidf_like).__name__,
    tfidf_like.format,
    tfidf_like.nnz,
    "nnz",
)

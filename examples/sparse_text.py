"""
Sparse text features: tf-idf, L2Normalizer and an L1 model
==========================================================

Text is the typical sparse, wide input: a document uses a few dozen words of
a vocabulary of hundreds or thousands. This example keeps such data in
scipy's CSR format from the vectorizer to the classifier:
``TfidfVectorizer`` (without its own normalization), then
:class:`~sklearn_norm.L2Normalizer` (each document to unit length, a sparse
result), then an L1-penalized multinomial
:class:`~sklearn_norm.RegularizedLogisticRegressionCV`, which selects the
words that tell the topics apart.

scikit-learn ships no text corpus that works offline, so the example writes
its own: short documents on three topics, whose words come mostly from a
common English vocabulary and sometimes from their topic's vocabulary, both
drawn with Zipf-like frequencies (the k-th most common word about 1/k as
frequent as the first), as in natural language.
"""

# %%
# A small corpus
# --------------
# 1800 documents of 20 to 60 words, 600 per topic. Each word comes from the
# topic's vocabulary with probability 0.1, otherwise from the common
# vocabulary. Two words ("star" and "season") belong to two topics each.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_norm import L2Normalizer, RegularizedLogisticRegressionCV

common = """the of and to a in is it that for was on are with as at be this have
from or by one had not but what all were when we there can an your which their
said if do will each about how up out them then she many some so these would
other into has more her two like him see time could no make than first been its
who now people my made over did down only way find use may long very after day
most just where through back much good new year week part place thing still
last""".split()
topics = {
    "astronomy": """planet orbit telescope galaxy star rocket moon comet asteroid
        satellite gravity nebula astronaut mission crater solar eclipse
        spacecraft observatory meteor""".split(),
    "cooking": """recipe oven flour garlic butter simmer bake sauce onion pepper
        dough roast kitchen season salt olive chop boil spoon taste""".split(),
    "football": """goal striker referee match league penalty coach stadium keeper
        season midfield tackle score fans kick team star defender trophy
        transfer""".split(),
}


def zipf(n):
    """Probabilities of n words ranked by frequency: proportional to 1/rank."""
    weights = 1.0 / np.arange(1, n + 1)
    return weights / weights.sum()


rng = np.random.default_rng(0)
documents, labels = [], []
for topic, vocabulary in topics.items():
    for _ in range(600):
        n_words = rng.integers(20, 61)
        from_topic = rng.random(n_words) < 0.1
        tokens = np.where(
            from_topic,
            rng.choice(vocabulary, size=n_words, p=zipf(len(vocabulary))),
            rng.choice(common, size=n_words, p=zipf(len(common))),
        )
        documents.append(" ".join(tokens))
        labels.append(topic)
labels = np.array(labels)
print(f"{len(documents)} documents, e.g. ({labels[0]}):")
print("  " + documents[0][:150] + " ...")

docs_train, docs_test, y_train, y_test = train_test_split(
    documents, labels, test_size=0.25, stratify=labels, random_state=0
)

# %%
# Sparse all the way
# ------------------
# ``TfidfVectorizer(norm=None)`` gives raw tf-idf weights in a CSR matrix;
# ``L2Normalizer`` divides each row by its norm and returns CSR with the same
# non-zeros; the L1 path is cross-validated on five folds, on the sparse
# matrix as it is, and ``lambda_`` set to ``lambda_1se`` (the sparsest model
# within one standard error of the best held-out log-loss).
folds = StratifiedKFold(5, shuffle=True, random_state=0)
pipe = make_pipeline(
    TfidfVectorizer(norm=None),
    L2Normalizer(),
    RegularizedLogisticRegressionCV("l1", cv=folds, selection="1se"),
).fit(docs_train, y_train)

tfidf = pipe[0].transform(docs_test)
normalized = pipe[1].transform(tfidf)
for name, matrix in [("tf-idf", tfidf), ("after L2Normalizer", normalized)]:
    print(
        f"{name:18s}: {type(matrix).__name__} ({matrix.format}), "
        f"shape {matrix.shape}, {matrix.nnz} non-zeros "
        f"({matrix.nnz / np.prod(matrix.shape):.1%} dense)"
    )
row_norms = np.sqrt(normalized.multiply(normalized).sum(axis=1)).A1
print(f"row norms after L2Normalizer: {row_norms.min():.6f} to {row_norms.max():.6f}")

# %%
# The selected words
# ------------------
# The L1 penalty keeps most topic words (all but the rarest) and a part of
# the common words, those whose frequencies differ between the topics by
# chance in the training documents, with much smaller coefficients. The
# largest coefficients of each topic are its own words.
model = pipe[-1]
words = pipe[0].get_feature_names_out()
is_topic_word = np.isin(
    words, [w for vocabulary in topics.values() for w in vocabulary]
)
used = np.any(model.coef_ != 0, axis=0)
largest = np.abs(model.coef_).max(axis=0)  # per word, over the topics
print(
    f"lambda_ {model.lambda_:.3g}: {int(used.sum())} of {words.size} words used, "
    f"{int(np.count_nonzero(model.coef_))} non-zero coefficients"
)
print(
    f"  topic words:  {int(used[is_topic_word].sum())} of {int(is_topic_word.sum())}"
    f" used, largest |coefficient| {largest[is_topic_word].max():.1f}"
)
print(
    f"  common words: {int(used[~is_topic_word].sum())} of "
    f"{int((~is_topic_word).sum())} used, largest |coefficient| "
    f"{largest[~is_topic_word].max():.1f}"
)
for topic, row in zip(model.classes_, model.coef_, strict=True):
    top = np.argsort(row)[::-1][:6]
    print(f"  {topic:10s} " + ", ".join(f"{words[j]} {row[j]:.1f}" for j in top))
print(f"held-out accuracy {pipe.score(docs_test, y_test):.3f}")

# %%
# The eight largest coefficients of each topic.
fig, axes = plt.subplots(1, 3, figsize=(7, 3.4), layout="constrained")
for ax, topic, row in zip(axes, model.classes_, model.coef_, strict=True):
    top = np.argsort(row)[::-1][:8][::-1]
    ax.barh(words[top], row[top], color="tab:blue")
    ax.set_title(topic, fontsize="medium")
    ax.set_xlabel("coefficient")
    ax.tick_params(axis="y", labelsize="small")
fig.suptitle(f"L1 multinomial model on tf-idf, lambda_ = {model.lambda_:.2g}")
plt.show()

# %%
# Every word of the vocabulary by its largest absolute coefficient over the
# three topics: the topic words lead, the common words that are used at all
# trail with small coefficients, and the rest are exactly zero.
order = np.argsort(-largest, kind="stable")
fig, ax = plt.subplots(figsize=(7, 3.4), layout="constrained")
for mask, label, colour in [
    (is_topic_word[order], "topic word", "tab:blue"),
    (~is_topic_word[order], "common word", "tab:orange"),
]:
    ranks = np.flatnonzero(mask)
    ax.bar(ranks, largest[order][mask], width=1.0, color=colour, label=label)
ax.set_xlabel("word, by decreasing largest |coefficient|")
ax.set_ylabel("largest |coefficient|")
ax.set_title(f"{int(used.sum())} of {words.size} words used")
ax.legend()
plt.show()

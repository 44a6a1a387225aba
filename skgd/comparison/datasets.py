"""The data of a comparison: bundled, synthetic, CSV, Parquet and svmlight datasets."""

import csv
import math
import os
from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from .problems import get_problem

# name -> (loader in sklearn.datasets, the kind of its target)
BUNDLED_DATASETS = {
    "diabetes": ("load_diabetes", "continuous"),
    "breast_cancer": ("load_breast_cancer", "classes"),
    "iris": ("load_iris", "classes"),
    "digits": ("load_digits", "classes"),
}
SYNTHETIC = "synthetic"
#: File endings read as svmlight / libsvm files (``label index:value ...`` lines,
#: the format of the LIBSVM datasets: rcv1, news20, ...); ``.txt`` is read so
#: when its first data line looks like one. A ``.gz`` or ``.bz2`` after them is
#: decompressed. A file with another ending (the LIBSVM site's
#: ``rcv1_train.binary.bz2``, ``a9a``) is read as svmlight when its first data
#: line is one.
SVMLIGHT_SUFFIXES = (".svm", ".svmlight", ".libsvm", ".txt")


@dataclass
class Dataset:
    """A design matrix, a target and a name for the output."""

    name: str
    X: object
    y: np.ndarray
    description: str = ""

    @property
    def shape(self):
        return self.X.shape


def make_synthetic(
    problem="linear",
    n_samples=500,
    n_features=20,
    condition=100.0,
    noise=0.5,
    random_state=0,
):
    r"""A seeded synthetic dataset whose features have a chosen conditioning.

    Rows are drawn from :math:`\mathcal N(0, \Sigma)` with
    :math:`\Sigma = Q \operatorname{diag}(\lambda) Q^\top`, ``Q`` a random
    rotation and :math:`\lambda` geometric from 1 to ``1/condition``, so that
    the features are correlated (standardizing them does not undo it).
    Targets, by the problem's target kind: ``X w + noise * N(0, 1)`` for
    continuous targets (with a sparse ``w``, a quarter of the coefficients
    non-zero, for the L1 problems); Bernoulli labels with probability
    :math:`\sigma(X w)` for classes; Poisson counts of mean
    :math:`e^{1 + X w}` (``X w`` of spread 0.5) for counts.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    spec = get_problem(problem)
    if n_samples < 2 or n_features < 1:
        raise ValueError("synthetic data needs n_samples >= 2 and n_features >= 1.")
    if not condition >= 1:
        raise ValueError(f"condition must be >= 1, got {condition}.")
    rng = check_random_state(random_state)
    Q, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    scales = np.sqrt(np.geomspace(1.0, 1.0 / condition, n_features))
    X = (rng.standard_normal((n_samples, n_features)) * scales) @ Q.T
    w = rng.standard_normal(n_features)
    if spec.sparse_truth:
        w[rng.permutation(n_features)[max(1, n_features // 4) :]] = 0.0
    z = X @ w
    if spec.target == "counts":
        z *= 0.5 / max(z.std(), 1e-12)
        y = rng.poisson(np.exp(1.0 + z)).astype(np.float64)
        if not y.sum() > 0:
            y[0] = 1.0
        return X, y
    if spec.target == "classes":
        z *= 2.0 / max(z.std(), 1e-12)  # logits of spread 2: not separable
        y = (rng.random(n_samples) < 1.0 / (1.0 + np.exp(-z))).astype(int)
        if np.unique(y).size < 2:  # tiny samples: keep two classes
            y[: n_samples // 2] = 1 - y[0]
        return X, y
    return X, z + noise * rng.standard_normal(n_samples)


def _parse_number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _read_csv(path, target):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise ValueError(f"{path} is empty.")
    header, body = [name.strip() for name in rows[0]], rows[1:]
    if target not in header:
        raise ValueError(
            f"column {target!r} not found in {path} "
            f"(columns: {', '.join(header) or 'none'}); choose one with --target."
        )
    if not body:
        raise ValueError(f"{path} has a header but no rows.")
    j = header.index(target)
    features = [k for k in range(len(header)) if k != j]
    if not features:
        raise ValueError(f"{path} has no feature column besides {target!r}.")
    X = np.empty((len(body), len(features)))
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise ValueError(
                f"{path}, line {i + 2}: {len(row)} fields, expected {len(header)}."
            )
        for col, k in enumerate(features):
            value = _parse_number(row[k])
            if value is None or not math.isfinite(value):
                raise ValueError(
                    f"{path}, line {i + 2}: column {header[k]!r} has {row[k]!r}; "
                    "features must be finite numbers (encode or impute them first)."
                )
            X[i, col] = value
    labels = [row[j].strip() for row in body]
    numbers = [_parse_number(text) for text in labels]
    if all(v is not None and math.isfinite(v) for v in numbers):
        y = np.array(numbers)
    elif any(text == "" for text in labels):
        raise ValueError(f"{path}: the target column {target!r} has missing values.")
    else:
        y = np.array(labels)
    return X, y


def _read_parquet(path, target):
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "reading Parquet needs pandas and pyarrow: pip install pandas pyarrow"
        ) from None
    try:
        frame = pd.read_parquet(path)
    except ImportError as error:
        raise ImportError(
            f"reading Parquet needs pyarrow: pip install pyarrow ({error})"
        ) from None
    if target not in frame.columns:
        raise ValueError(
            f"column {target!r} not found in {path} (columns: "
            f"{', '.join(map(str, frame.columns))}); choose one with --target."
        )
    features = frame.drop(columns=[target])
    bad = [str(c) for c in features.columns if features[c].dtype.kind not in "biuf"]
    if bad:
        raise ValueError(
            f"{path}: non-numeric feature columns {', '.join(bad)}; encode them first."
        )
    X = features.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{path}: the features have missing or infinite values.")
    y = frame[target]
    if y.isna().any():
        raise ValueError(f"{path}: the target column {target!r} has missing values.")
    y = y.to_numpy()
    return X, (y.astype(np.float64) if y.dtype.kind in "biuf" else y.astype(str))


def _looks_like_svmlight(path):
    """Whether the first data line of ``path`` is ``label index:value ...``."""
    import bz2
    import gzip

    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(
        os.path.splitext(path)[1].lower(), open
    )
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                label, *pairs = line.split()
                return _parse_number(label.split(",")[0]) is not None and all(
                    ":" in pair for pair in pairs
                )
    except (OSError, EOFError, ValueError):
        return False
    return False


def _read_svmlight(path):
    from sklearn.datasets import load_svmlight_file

    try:
        X, y = load_svmlight_file(path, dtype=np.float64)
    except ValueError as error:
        raise ValueError(
            f"{path} is not a valid svmlight/libsvm file ({error}); each line "
            "must be 'label index:value index:value ...'."
        ) from None
    return X.tocsr(), y


def _suffix(name):
    """The data suffix of ``name`` (``.svm`` for ``rcv1.svm.bz2``)."""
    root, suffix = os.path.splitext(str(name).lower())
    if suffix in (".gz", ".bz2"):
        suffix = os.path.splitext(root)[1] or suffix
    return suffix


def load_dataset(
    name,
    problem=None,
    *,
    target="target",
    n_samples=500,
    n_features=20,
    condition=100.0,
    random_state=0,
):
    """Load a dataset by name: bundled, synthetic or a CSV/Parquet file.

    Parameters
    ----------
    name : str
        ``"diabetes"``, ``"breast_cancer"``, ``"iris"``, ``"digits"``
        (scikit-learn's bundled datasets), ``"synthetic"`` (see
        :func:`make_synthetic`), the path of a ``.csv`` or ``.parquet`` file
        with a header, or of an svmlight / libsvm file (``.svm``,
        ``.svmlight``, ``.libsvm``, or ``.txt`` or any other ending in that
        format, as the LIBSVM site's ``rcv1_train.binary.bz2``; optionally
        ``.gz`` or ``.bz2`` compressed), read as a sparse matrix by
        ``sklearn.datasets.load_svmlight_file``.
    problem : str, optional
        A problem of :data:`~skgd.comparison.PROBLEMS`; shapes the synthetic
        target (default ``"linear"``).
    target : str, default="target"
        The target column of a CSV or Parquet file; every other column is a
        feature (an svmlight file's target is its first field).
    n_samples, n_features, condition, random_state
        Options of the synthetic dataset.

    Returns
    -------
    Dataset
    """
    if name in BUNDLED_DATASETS:
        import sklearn.datasets  # imported on use: it is slow to import

        loader = getattr(sklearn.datasets, BUNDLED_DATASETS[name][0])
        X, y = loader(return_X_y=True)
        return Dataset(name, X.astype(np.float64), y, f"scikit-learn's {name}")
    if name == SYNTHETIC:
        problem = problem or "linear"
        X, y = make_synthetic(
            problem, n_samples, n_features, condition, random_state=random_state
        )
        return Dataset(
            SYNTHETIC,
            X,
            y,
            f"synthetic {problem} data, feature covariance condition number "
            f"{condition:g}, seed {random_state}",
        )
    suffix = _suffix(name)
    known = (".csv", ".parquet", ".pq", *SVMLIGHT_SUFFIXES)
    if suffix not in known:
        # the LIBSVM site's names (rcv1_train.binary.bz2, a9a, w8a.t): by content
        if os.path.isfile(name) and _looks_like_svmlight(name):
            X, y = _read_svmlight(name)
            return Dataset(os.path.basename(str(name)), X, y, f"{name} (svmlight)")
        raise ValueError(_unknown_dataset(name))
    if not os.path.isfile(name):
        raise FileNotFoundError(f"no such file: {name}")
    if suffix in SVMLIGHT_SUFFIXES:
        if suffix == ".txt" and not _looks_like_svmlight(name):
            raise ValueError(_unknown_dataset(name) + " (a .txt file must hold "
                             "svmlight lines: 'label index:value ...')")  # fmt: skip
        X, y = _read_svmlight(name)
        return Dataset(os.path.basename(str(name)), X, y, f"{name} (svmlight)")
    reader = _read_csv if suffix == ".csv" else _read_parquet
    X, y = reader(name, target)
    return Dataset(os.path.basename(str(name)), X, y, f"{name}, target {target!r}")


def _unknown_dataset(name):
    choices = ", ".join([*BUNDLED_DATASETS, SYNTHETIC])
    return (
        f"unknown dataset {name!r}: use one of {choices}, a .csv or .parquet "
        "file, or an svmlight/libsvm file (.svm, .svmlight, .libsvm, .txt)."
    )

"""The data of a comparison: bundled, synthetic, CSV and Parquet datasets."""

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
        :func:`make_synthetic`), or the path of a ``.csv`` or ``.parquet`` file
        with a header.
    problem : str, optional
        A problem of :data:`~skgd.comparison.PROBLEMS`; shapes the synthetic
        target (default ``"linear"``).
    target : str, default="target"
        The target column of a file; every other column is a feature.
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
    suffix = os.path.splitext(str(name))[1].lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        choices = ", ".join([*BUNDLED_DATASETS, SYNTHETIC])
        raise ValueError(
            f"unknown dataset {name!r}: use one of {choices}, or a .csv or "
            ".parquet file."
        )
    if not os.path.isfile(name):
        raise FileNotFoundError(f"no such file: {name}")
    reader = _read_csv if suffix == ".csv" else _read_parquet
    X, y = reader(name, target)
    return Dataset(os.path.basename(str(name)), X, y, f"{name}, target {target!r}")

"""Out-of-core row: a dask X several times larger than the workers' memory.

X is generated chunk by chunk on the workers (``dask.array.random``, never
persisted), so every pass over X recomputes its chunks: nothing the size of X
is ever held. The fit is skgd's full-batch newton / lbfgs on the logistic loss;
the figures are its time per iteration against the floor (one pass over the
chunks computing ``X_c @ w`` and ``X_c.T @ r_c``, timed in the same run), and
its optimum checked two ways: the fit's own scale-invariant stopping
certificate, and the distance to the coefficients the data were drawn from
next to a NumPy fit on an in-memory subsample (whose distance is the
statistical error at its size).

    python benchmarks/dask_out_of_core.py [--rows 10500000] [--memory 500MB]
"""

import argparse
import platform
import time
import warnings

import dask
import dask.array as da
import numpy as np
from distributed import Client, LocalCluster
from sklearn.exceptions import ConvergenceWarning

from skgd import GDLogisticRegression


def make_data(n_rows, n_features, chunk_rows, seed=0):
    """Logistic data drawn chunk by chunk: X uniform of unit variance plus
    offsets (uniform draws cost a third of normal ones), y ~ Bernoulli."""
    rng = da.random.RandomState(seed)
    coef = np.linspace(-1.0, 1.0, n_features)
    half_width = np.sqrt(3.0)
    X = rng.uniform(
        -half_width,
        half_width,
        size=(n_rows, n_features),
        chunks=(chunk_rows, n_features),
    )
    X = X + np.arange(n_features) / n_features  # raw offsets: centring matters
    scores = X @ coef - 0.5 * np.sum(coef * np.arange(n_features) / n_features)
    y = rng.uniform(size=n_rows, chunks=chunk_rows) < 1 / (1 + da.exp(-scores))
    return X, y.astype(np.int64), coef


def one_pass(X, w):
    """The floor: one pass computing X_c @ w and X_c.T @ r_c per chunk."""

    def chunk(block):
        r = block @ w
        return (block.T @ r)[None, :]

    return (
        X.map_blocks(chunk, chunks=(1, X.shape[1]), meta=np.empty((0, 0)))
        .sum(axis=0)
        .compute()
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_500_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunk-rows", type=int, default=25_000)
    # a worker process alone takes ~150 MB here (~280 MB at its start-up
    # peak), and its share of y and the weights n/workers x 16 bytes: 500 MB
    # keeps it below distributed's pause threshold (80 %) while chunks stream
    parser.add_argument("--memory", default="500MB", help="per worker")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        memory_limit=args.memory,
        dashboard_address=":0",
    )
    client = Client(cluster)
    client.wait_for_workers(args.workers)
    X, y, coef = make_data(args.rows, args.features, args.chunk_rows)
    worker_memory = sum(
        w["memory_limit"] for w in client.scheduler_info()["workers"].values()
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, "
        f"{args.workers} workers x 1 thread, memory limit {args.memory} each"
    )
    print(
        f"X: {X.shape}, {X.nbytes / 1e9:.2f} GB = "
        f"{X.nbytes / worker_memory:.1f} x the workers' memory "
        f"({worker_memory / 1e9:.2f} GB), {X.numblocks[0]} chunks"
    )

    w = np.ones(args.features) / args.features
    one_pass(X, w)  # warm-up
    floors = []
    for _ in range(3):
        start = time.perf_counter()
        one_pass(X, w)
        floors.append(time.perf_counter() - start)
    floor = float(np.median(floors))
    print(f"floor (one pass over the chunks): {floor:.2f} s")

    subsample = 50_000  # small enough to be gathered by one worker
    X_small = X[:subsample].compute()
    y_small = y[:subsample].compute()
    small = GDLogisticRegression(solver="newton").fit(X_small, y_small)
    small_error = np.max(np.abs(small.coef_.ravel() - coef))

    for solver in ("newton", "lbfgs"):
        model = GDLogisticRegression(solver=solver, alpha=0.0, tol=1e-6)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.perf_counter()
            model.fit(X, y)
            elapsed = time.perf_counter() - start
        for warning in caught:
            print(f"  warning: {warning.message}")
        passes = model.n_iter_
        error = np.max(np.abs(model.coef_.ravel() - coef))
        print(
            f"{solver}: {elapsed:.1f} s, {model.n_iter_} iterations, "
            f"{elapsed / passes:.2f} s/iteration = {elapsed / passes / floor:.2f} "
            f"x floor; converged_={model.converged_}; |coef - true| = "
            f"{error:.1e} (in-memory fit on {subsample} rows: {small_error:.1e})"
        )
    client.close()
    cluster.close()


if __name__ == "__main__":
    with dask.config.set({"distributed.worker.memory.target": 0.6}):
        main()

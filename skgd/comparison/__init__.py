r"""The comparison workflow: every solver on one objective, against a reference optimum.

:func:`compare` fits one estimator with each contender (a solver, or a solver
setting: :mod:`skgd.comparison.contenders`) on the same (standardized)
data, the same objective and the same stopping rule, computes a reference
optimum with a direct or second-order method at a much tighter tolerance, and
returns a :class:`ComparisonResult`: one record per solver (final objective,
relative suboptimality, coefficient distance, iterations, wall time), the
reference and scikit-learn's default solver as extra rows, and each solver's
per-iteration history (objective, suboptimality, optimality, step size,
gradient norm and measured time). ``skgd compare`` (:mod:`skgd.cli`) only
formats it.

What makes the comparison fair:

* **same objective and data**: every solver fits a clone of one estimator
  (only ``solver`` and the contender's own settings change) on the same
  array, standardized once beforehand;
* **same stopping rule**: the estimator's ``tol`` and ``max_iter`` for all (or,
  with ``budget=N``, N iterations each and ``tol=0``, fewer only at an exact
  fixed point);
* **a tighter reference**: least squares by ``np.linalg.lstsq`` (ridge by
  ``Ridge(solver="svd")``), logistic regression by scikit-learn's Newton
  solver at ``tol=1e-12``, the lasso by coordinate descent at ``tol=1e-15``;
  its optimality (the same measure the solvers stop on) is reported;
* **honest times**: the wall time of the whole ``fit`` call (input
  validation, the Lipschitz constant, every iteration), after one untimed
  warm-up fit per solver, with a fixed number of BLAS threads for everyone.
  The time axis of the curves is the fit's own clock (``history_["time"]``,
  read at the end of each iteration), never an interpolation.
"""

from .contenders import (
    GRID_PARAMETERS,
    Contender,
    resolve_contenders,
    solver_grid,
    unused_grid_parameters,
)
from .datasets import (
    BUNDLED_DATASETS,
    SVMLIGHT_SUFFIXES,
    SYNTHETIC,
    Dataset,
    load_dataset,
    make_synthetic,
)
from .problems import (
    DEFAULT_ALPHA,
    DEFAULT_DATASET,
    ESTIMATORS,
    PROBLEM_TABLE,
    PROBLEMS,
    SOLVER_ORDER,
    SUBOPTIMALITY_FLOOR,
    Problem,
    Reference,
    all_solvers,
    check_solvers,
    check_target,
    get_problem,
    target_warning,
)
from .report import (
    CURVE_COLUMNS,
    REPORT_WIDTH,
    STATUS_MEANINGS,
    TABLE_COLUMNS,
    TABLE_WIDTH,
    environment_columns,
    format_report,
    format_table,
    html_table,
    records_to_csv,
    results_to_json,
    tidy_rows,
    write_parquet,
)
from .result import SORT_KEYS, ComparisonResult, Run
from .runner import compare

__all__ = [
    "BUNDLED_DATASETS",
    "GRID_PARAMETERS",
    "STATUS_MEANINGS",
    "SVMLIGHT_SUFFIXES",
    "TABLE_WIDTH",
    "Contender",
    "environment_columns",
    "html_table",
    "resolve_contenders",
    "solver_grid",
    "target_warning",
    "tidy_rows",
    "unused_grid_parameters",
    "write_parquet",
    "CURVE_COLUMNS",
    "DEFAULT_ALPHA",
    "DEFAULT_DATASET",
    "ESTIMATORS",
    "PROBLEMS",
    "PROBLEM_TABLE",
    "Problem",
    "Reference",
    "REPORT_WIDTH",
    "SOLVER_ORDER",
    "SORT_KEYS",
    "SUBOPTIMALITY_FLOOR",
    "SYNTHETIC",
    "TABLE_COLUMNS",
    "ComparisonResult",
    "Dataset",
    "Run",
    "all_solvers",
    "check_solvers",
    "check_target",
    "get_problem",
    "compare",
    "format_report",
    "format_table",
    "load_dataset",
    "make_synthetic",
    "records_to_csv",
    "results_to_json",
]

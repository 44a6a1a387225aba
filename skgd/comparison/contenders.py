"""What a comparison puts side by side: solver names, solver objects, settings.

A *contender* is one row of the table and one curve of the plot: a solver
name (``"gd"``), a solver object (``Momentum(momentum=0.5)``), a dict of
estimator parameters (``{"solver": "gd", "learning_rate": 0.1}``) or a
``(label, estimator-or-params)`` pair. :func:`resolve_contenders` turns any mix
of them into :class:`Contender` objects with unique labels; :func:`solver_grid`
builds the grids of ``skgd compare --learning-rate 0.1,0.5 --momentum 0.5,0.9``.
"""

import dataclasses
import itertools
from dataclasses import dataclass, field

from sklearn.base import BaseEstimator, clone

from ..solvers import SOLVERS, Solver, get_solver
from .problems import all_solvers

# How a parameter is written in a label: "gd lr=0.1", "momentum beta=0.5".
_SHORT_NAMES = {"learning_rate": "lr", "batch_size": "batch", "momentum": "beta"}
# The parameters a grid may vary, and which solvers use them.
GRID_PARAMETERS = ("learning_rate", "momentum", "batch_size")


@dataclass
class Contender:
    """One row of a comparison.

    Attributes
    ----------
    label : str
        Its name in the table, the plot's legend and the curve rows.
    params : dict
        The estimator parameters it sets on top of the shared estimator
        (always with ``"solver"``).
    estimator : estimator or None
        A whole estimator given as the contender (its own parameters, the
        comparison's ``tol`` and ``max_iter``); None to clone the shared one.
    """

    label: str
    params: dict = field(default_factory=dict)
    estimator: object = None

    def model(self, base):
        """The estimator to fit: a clone of ``base`` (or of :attr:`estimator`,
        with ``base``'s stopping rule) with :attr:`params` set."""
        if self.estimator is None:
            return clone(base).set_params(**self.params)
        return clone(self.estimator).set_params(tol=base.tol, max_iter=base.max_iter)

    @property
    def solver_name(self):
        """The registered name of its solver (or the solver object's name)."""
        return solver_name(self.params.get("solver", "gd"))


def solver_name(solver):
    """``"gd"`` for ``"gd"``, ``Momentum()`` -> ``"momentum"``; a class name else."""
    if isinstance(solver, str):
        return solver
    return getattr(solver, "name", "") or type(solver).__name__


def _value_text(value):
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _label(name, settings):
    """``"gd lr=0.1"``: the solver name and its own settings, short names."""
    parts = [f"{_SHORT_NAMES.get(k, k)}={_value_text(v)}" for k, v in settings.items()]
    return " ".join([name, *parts])


def _solver_settings(solver):
    """The fields of a solver object that differ from its class defaults."""
    if not dataclasses.is_dataclass(solver):
        return {}
    out = {}
    for f in dataclasses.fields(solver):
        if not f.init:
            continue
        default = f.default
        if (
            default is dataclasses.MISSING
            and f.default_factory is not dataclasses.MISSING
        ):
            default = f.default_factory()
        value = getattr(solver, f.name)
        if default is dataclasses.MISSING or value != default:
            out[f.name] = value
    return out


def _from_params(params, base, label=None):
    params = dict(params)
    params.setdefault("solver", base.solver)
    _check_solver(params["solver"])
    unknown = sorted(set(params) - set(base.get_params()))
    if unknown:
        raise ValueError(
            f"{type(base).__name__} has no parameter(s) {', '.join(unknown)}; a "
            "contender's dict sets estimator parameters (learning_rate, momentum, "
            "batch_size, ...)."
        )
    solver = params["solver"]
    name = solver_name(solver)
    own = {k: v for k, v in params.items() if k != "solver"}
    if not isinstance(solver, str):
        own = {**_solver_settings(solver), **own}
    return Contender(label or _label(name, own), params)


def _check_solver(solver):
    if isinstance(solver, type):
        raise TypeError(
            f"{solver.__name__} is a class; pass an instance, "
            f"{solver.__name__}(), or a registered name."
        )
    if isinstance(solver, str):
        if solver not in SOLVERS:
            raise ValueError(
                f"unknown solver(s) {solver}; choose from {', '.join(all_solvers())}."
            )
        return
    if not isinstance(solver, Solver):
        get_solver(solver)  # TypeError naming what an update rule needs


def resolve_contenders(solvers, base):
    """The contenders to compare, with unique labels.

    Parameters
    ----------
    solvers : None, str or list
        None: every registered solver. A string: solver names, comma- or
        space-separated. A list whose items are solver names, solver objects
        (``skgd.solvers.Momentum(momentum=0.5)``), dicts of estimator
        parameters (``{"solver": "gd", "learning_rate": 0.1}``; ``solver``
        defaults to the shared estimator's) or ``(label, spec)`` pairs whose
        spec is any of these or a whole estimator of the same class as
        ``base``.
    base : estimator
        The shared estimator.

    Returns
    -------
    list of Contender
    """
    if solvers is None:
        solvers = all_solvers()
    elif isinstance(solvers, str):
        solvers = [s for s in solvers.replace(",", " ").split() if s]
    elif not isinstance(solvers, (list, tuple)):
        solvers = [solvers]
    contenders = [_resolve_one(item, base) for item in solvers]
    if not contenders:
        raise ValueError(
            f"unknown solver(s) (none given); choose from {', '.join(all_solvers())}."
        )
    unknown = [c.label for c in contenders if c.label.startswith("\0")]
    if unknown:
        raise ValueError(
            f"unknown solver(s) {', '.join(u[1:] for u in unknown)}; "
            f"choose from {', '.join(all_solvers())}."
        )
    unique = {}
    for contender in contenders:
        seen = unique.get(contender.label)
        if seen is None:
            unique[contender.label] = contender
        elif (
            seen.params != contender.params or seen.estimator is not contender.estimator
        ):
            raise ValueError(
                f"two different contenders are both labelled {contender.label!r}; "
                "give them labels: solvers=[('label', spec), ...]."
            )
    return list(unique.values())


def _resolve_one(item, base):
    if isinstance(item, str):
        if item not in SOLVERS:
            return Contender("\0" + item)  # reported with every unknown name
        return Contender(item, {"solver": item})
    if isinstance(item, tuple):
        if len(item) != 2 or not isinstance(item[0], str):
            raise TypeError(
                f"a contender pair is (label, spec), got {item!r}; spec is a "
                "solver name or object, a dict of estimator parameters or an "
                "estimator."
            )
        label, spec = item
        if isinstance(spec, BaseEstimator):
            if type(spec) is not type(base):
                raise TypeError(
                    f"contender {label!r} is a {type(spec).__name__}, but the "
                    f"comparison's estimator is a {type(base).__name__}: every "
                    "row must minimise the same objective."
                )
            own = {
                k: v
                for k, v in spec.get_params(deep=False).items()
                if k not in ("tol", "max_iter") and _differs(v, base.get_params()[k])
            }
            return Contender(label, {"solver": spec.solver, **own}, spec)
        if isinstance(spec, dict):
            return _from_params(spec, base, label)
        return _from_params({"solver": spec}, base, label)
    if isinstance(item, dict):
        return _from_params(item, base)
    if isinstance(item, BaseEstimator):
        raise TypeError(
            f"give an estimator contender a label: solvers=[('my label', "
            f"{type(item).__name__}(...))]."
        )
    return _from_params({"solver": item}, base)


def _differs(a, b):
    try:
        return bool(a != b)
    except (TypeError, ValueError):  # arrays and the like
        return a is not b


def _uses(solver, parameter):
    """Whether the registered ``solver`` reads ``parameter`` (so a grid over it
    gives it one row per value)."""
    cls = SOLVERS[solver]
    if parameter == "learning_rate":
        return getattr(cls, "steps_with_learning_rate", True)
    if parameter == "batch_size":
        return not getattr(cls, "full_batch_only", False)
    return dataclasses.is_dataclass(cls) and parameter in {
        f.name for f in dataclasses.fields(cls)
    }


def solver_grid(solvers, **grid):
    """Contender specs for every solver x every combination of the values in
    ``grid`` (``learning_rate=[0.1, 0.5]``, ``momentum=[0.5, 0.9]``, ...) that
    the solver uses; a solver that uses none of them appears once.

    Returns a list of parameter dicts for :func:`resolve_contenders`, each
    labelled by its settings (``"gd lr=0.1"``).

    Examples
    --------
    >>> [s["solver"] for s in solver_grid(["gd", "newton"], learning_rate=[0.1, 1])]
    ['gd', 'gd', 'newton']
    """
    grid = {k: list(v) for k, v in grid.items() if v}
    specs = []
    for solver in solvers:
        used = [k for k in grid if _uses(solver, k)]
        for values in itertools.product(*(grid[k] for k in used)):
            specs.append({"solver": solver, **dict(zip(used, values, strict=True))})
    return specs


def unused_grid_parameters(solvers, **grid):
    """``{parameter: [solvers that ignore it]}`` for the note under the table."""
    return {
        k: [s for s in solvers if not _uses(s, k)]
        for k, values in grid.items()
        if values and any(not _uses(s, k) for s in solvers)
    }

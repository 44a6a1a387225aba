"""Plots of comparisons and learning-rate range tests (matplotlib, an optional extra).

matplotlib is imported inside the functions, so ``import skgd`` never needs it;
without it they raise an ImportError that says how to install it
(``pip install 'skgd[plot]'``). Figures written to a file are built with
``matplotlib.figure.Figure`` (no pyplot, no GUI backend, no global state).

This module imports nothing from skgd: the comparison and the diagnostics
import it (lazily) to draw their results, so it must not import them back.
"""

import numpy as np

__all__ = [
    "SUBOPTIMALITY_FLOOR",
    "plot_comparison",
    "plot_lr_find",
    "require_matplotlib",
]

# Suboptimality below this is rounding: the plots clip there.
SUBOPTIMALITY_FLOOR = 1e-16

INSTALL_HINT = "pip install 'skgd[plot]' (or pip install matplotlib)"
# Line styles cycle so that solvers with identical curves (adam and adamw with
# weight_decay=0) stay visible on top of each other.
_STYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def require_matplotlib(what="plotting"):
    """Import matplotlib or raise an ImportError with the install command."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(f"{what} needs matplotlib: {INSTALL_HINT}") from None


def _new_figure(nrows, ncols, width, height):
    require_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    return fig, axes


def plot_comparison(results, filename=None, axes=None):
    """Suboptimality against iteration and against time, one line per contender.

    Parameters
    ----------
    results : list of ComparisonResult
        One row of two panels per result.
    filename : str or path, optional
        Write the figure there (PNG, SVG, PDF... by extension).
    axes : array of matplotlib Axes of shape (len(results), 2), optional
        Draw on these instead of a new figure.

    Returns
    -------
    figure : matplotlib Figure

    Notes
    -----
    The y axis is the relative suboptimality ``(F - F*)/|F*|`` on a log scale,
    clipped at 1e-16 (rounding). Iteration 0 is the common start (the null
    model). The time of iteration ``k`` is the one the fit measured
    (``history_["time"]``: seconds since ``fit`` started, read when the
    iteration ended, set-up included in the first); the time axis is
    logarithmic and starts at the first iteration, so a fit that made no
    iteration has no point there. With repeated fits, the curve is the median
    fit's and a band spans the smallest to the largest time of each iteration
    over the fits. scikit-learn's default solver is marked on the time panel at
    its final suboptimality and fit time. A solver's colour is its position in
    the results' ``solver_order`` (every registered solver, the built-in ones
    in the README's order), so it keeps its colour in plots of different
    subsets; contenders with settings (``"gd lr=0.1"``) are coloured in order.
    """
    results = list(results)
    palette = _palette(results)
    if axes is None:
        fig, axes = _new_figure(len(results), 2, 12.5, 4.2 * len(results))
    else:
        require_matplotlib()
        axes = np.asarray(axes).reshape(len(results), 2)
        fig = axes[0, 0].figure
    for row, result in zip(axes, results, strict=True):
        ax_iter, ax_time = row
        for solver, curve in result.curve_arrays().items():
            i = palette[solver]
            sub = np.maximum(curve["suboptimality"], SUBOPTIMALITY_FLOOR)
            style = dict(
                color=f"C{i % 10}",
                linestyle=_STYLES[i % len(_STYLES)],
                linewidth=1.6,
                label=solver,
            )
            # the time axis is logarithmic: it starts at the first iteration
            for ax, x, first in ((ax_iter, curve["iteration"], 0),
                                 (ax_time, curve["time"], 1)):  # fmt: skip
                ax.plot(x[first:], sub[first:], **style)
                if x.size > first:  # (no end marker at time 0 on a log axis)
                    ax.plot(x[-1], sub[-1], marker=_MARKERS[i % 10],
                            color=style["color"], markersize=5)  # fmt: skip
            # the spread of the repeated fits' times: a band around the curve
            low, high = curve["time_min"], curve["time_max"]
            if low.size > 1 and np.any(high > low):
                ax_time.fill_betweenx(
                    sub[1 : low.size], low[1:], high[1:], color=style["color"],
                    alpha=0.2, linewidth=0,
                )  # fmt: skip
        for j, baseline in enumerate(result.baselines):
            if not np.isfinite(baseline.rel_suboptimality) or baseline.time <= 0:
                continue
            ax_time.plot(
                baseline.time,
                max(baseline.rel_suboptimality, SUBOPTIMALITY_FLOOR),
                marker=("x", "+", "1", "2")[j % 4],
                color="black",
                markersize=9,
                linestyle="none",
                label=f"{baseline.solver}, final",
            )
        title = (
            f"{result.problem} on {result.dataset} ({result.n_samples}x"
            f"{result.n_features}), alpha={result.settings['alpha']:g}, "
        )
        if result.settings["budget"] is not None:
            title += f"budget {result.settings['budget']} iterations"
        else:
            title += f"tol={result.settings['tol']:g}"
        repeat = result.settings.get("repeat", 1)
        time_label = "wall time since fit started [s] (measured per iteration)"
        if repeat > 1:
            time_label += f"\nmedian fit of {repeat}; band: min to max over the fits"
        for ax, xlabel in (
            (ax_iter, "iteration (epoch for minibatch solvers)"),
            (ax_time, time_label),
        ):
            ax.set_yscale("log")
            ax.set_xlabel(xlabel)
            ax.set_ylabel("(F - F*) / |F*|")
            ax.grid(True, which="major", alpha=0.3)
            ax.set_title(title, fontsize=9)
        ax_time.set_xscale("log")
        ax_time.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    if filename is not None:
        fig.savefig(filename, dpi=110)
    return fig


def _palette(results):
    """``{label: colour index}``: registered solver names by their place in the
    solver order (the same colour in every plot); with other labels (solver
    settings), by order of appearance."""
    labels = list(dict.fromkeys(run.solver for r in results for run in r.runs))
    order = list(results[0].solver_order) if results else []
    if all(label in order for label in labels):
        return {label: order.index(label) for label in labels}
    return {label: i for i, label in enumerate(labels)}


def plot_lr_find(result, ax=None, filename=None):
    """The loss against the learning rate of an :class:`~skgd.diagnostics.LRFinderResult`.

    Draws the recorded and smoothed losses on a log-rate axis and marks the
    suggestion and the minimum. Returns the axes.
    """
    if ax is None:
        fig, axes = _new_figure(1, 1, 7, 4.2)
        ax = axes[0, 0]
    else:
        require_matplotlib()
        fig = ax.figure
    rates = result.learning_rates
    ax.plot(rates, result.losses, color="0.7", linewidth=1, label="objective")
    ax.plot(rates, result.smoothed, color="C0", linewidth=2, label="smoothed")
    ax.axvline(
        result.suggestion,
        color="C2",
        linestyle="--",
        label=f"suggestion {result.suggestion:.3g}",
    )
    ax.axvline(
        result.lr_min_loss,
        color="C3",
        linestyle=":",
        label=f"minimum {result.lr_min_loss:.3g}",
    )
    ax.set_xscale("log")
    finite = result.smoothed[np.isfinite(result.smoothed)]
    if finite.size:
        low, high = finite.min(), max(result.initial_loss, finite.min())
        ax.set_ylim(
            low - 0.05 * (high - low + 1e-12), high + 0.25 * (high - low + 1e-12)
        )
    ax.set_xlabel("learning rate")
    ax.set_ylabel("objective after the step")
    ax.set_title(f"learning-rate range test, solver={result.solver}", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    if filename is not None:
        fig.savefig(filename, dpi=110)
    return ax

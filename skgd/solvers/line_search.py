r"""Backtracking (Armijo) line search, plain and proximal.

Plain: accept the first :math:`t \in \{t_0, t_0\rho, t_0\rho^2, \dots\}` with
:math:`F(\theta + t d) \le F(\theta) + c\, t\, \nabla f(\theta)^\top d`.

Proximal (for composite :math:`F = f + R` and a direction ``d`` from a proximal
Newton step): :math:`F(\theta + t d) \le F(\theta) + c\, t\, \Delta`, with
:math:`\Delta = \nabla f^\top d + N(\theta + d) - N(\theta)`, ``f`` the smooth part
(loss and the penalty's smooth part) and ``N`` the penalty's non-smooth part
(Lee, Sun & Saunders 2014).
"""

import numpy as np


def armijo(
    objective,
    theta,
    value,
    decrease,
    direction,
    *,
    initial_step=1.0,
    c=1e-4,
    shrink=0.5,
    max_halvings=60,
):
    """Step length satisfying the sufficient-decrease condition.

    Parameters
    ----------
    decrease : float
        The predicted decrease ``Delta`` (negative for a descent direction).

    Returns
    -------
    step : float
        0.0 when no step in ``max_halvings`` halvings decreases the objective
        (the iterate is then at the precision floor).
    new_value : float
    """
    step = initial_step
    for _ in range(max_halvings):
        candidate = theta + step * direction
        new_value = objective.value(candidate)
        if np.isfinite(new_value) and new_value <= value + c * step * decrease:
            return step, new_value
        step *= shrink
    return 0.0, value

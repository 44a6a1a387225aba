"""Exceptions raised by skgd."""


class DivergenceError(ValueError):
    """A solver's iterates left the finite range or the objective exploded.

    Raised by ``fit`` instead of returning NaN or infinite coefficients. The
    estimator keeps the state it had before the call. The usual cause is a
    ``learning_rate`` above ``2 / L`` (``L`` the Lipschitz constant of the
    gradient); ``learning_rate="auto"`` picks a step that cannot diverge for the
    full-batch solvers.
    """

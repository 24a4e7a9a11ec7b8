"""The method's calculations as pure functions over plain values (see README.md here).

Import from the modules themselves (`deliverology.core.periods`, `.aggregation`, `.trajectories`
and the rest): this package loads nothing, so using one part does not load them all.
"""

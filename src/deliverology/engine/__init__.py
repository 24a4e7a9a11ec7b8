"""The data edge: reading files into plain, checked rows (and computing metrics from records).

The engine may use `deliverology.core` but never Django or the web app, and it never writes to
a database: the web app loads what the engine has checked.
"""

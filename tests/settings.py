"""Settings for the tests: the app's own settings, with a fast hasher and a fixed "today"."""

import os

os.environ.setdefault("DELIVEROLOGY_FAST_HASHER", "true")
os.environ.setdefault("DELIVEROLOGY_TODAY", "2025-11-01")

from deliverology.web.settings import *  # noqa: E402, F403

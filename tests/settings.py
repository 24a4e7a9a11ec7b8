"""Settings for the tests: the app's own settings, with a fast hasher, a fixed "today", a key and
background tasks run at once (the worker itself is tested separately)."""

import os

os.environ.setdefault("DELIVEROLOGY_FAST_HASHER", "true")
os.environ.setdefault("DELIVEROLOGY_TODAY", "2025-11-01")
os.environ.setdefault("SECRET_KEY", "tests-only-" + "k3y-" * 12)
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from deliverology.web.settings import *  # noqa: E402, F403

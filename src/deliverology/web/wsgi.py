"""WSGI entry point for gunicorn and other servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliverology.web.settings")
application = get_wsgi_application()

from deliverology.web.checks import require_secret_key  # noqa: E402  (needs Django set up)

require_secret_key()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "deliverology.web.accounts"
    label = "accounts"
    verbose_name = _("People and roles")

    def ready(self) -> None:
        from deliverology.web import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrioritiesConfig(AppConfig):
    name = "deliverology.web.priorities"
    label = "priorities"
    verbose_name = _("Aspiration, priorities and targets")

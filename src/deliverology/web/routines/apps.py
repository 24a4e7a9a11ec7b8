from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutinesConfig(AppConfig):
    name = "deliverology.web.routines"
    label = "routines"
    verbose_name = _("Routines")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubtargetsConfig(AppConfig):
    name = "deliverology.web.subtargets"
    label = "subtargets"
    verbose_name = _("Sub-targets for local units")

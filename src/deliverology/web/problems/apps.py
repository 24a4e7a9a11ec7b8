from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "deliverology.web.problems"
    label = "problems"
    verbose_name = _("Problems and momentum")

    def ready(self) -> None:
        from deliverology.web.performance.actions import figures_refreshed
        from deliverology.web.problems.tasks import after_refresh

        figures_refreshed.connect(after_refresh, dispatch_uid="problems.evaluate_triggers")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "deliverology.web.problems"
    label = "problems"
    verbose_name = _("Problems and momentum")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from deliverology.web.assessments.models import Assessment
        from deliverology.web.chains.models import ChainLink, LinkRating
        from deliverology.web.performance.actions import figures_refreshed
        from deliverology.web.plans.models import Milestone
        from deliverology.web.problems.alerts import send_lapse_alerts
        from deliverology.web.problems.tasks import after_refresh, after_routine
        from deliverology.web.routines.models import Stocktake
        from deliverology.web.routines.notifications import reminders_due

        figures_refreshed.connect(after_refresh, dispatch_uid="problems.evaluate_triggers")
        reminders_due.connect(send_lapse_alerts, dispatch_uid="problems.lapse_alerts")
        for model in (Stocktake, Assessment, Milestone, ChainLink, LinkRating):
            uid = f"problems.evaluate_triggers.{model.__name__}"
            post_save.connect(after_routine, sender=model, dispatch_uid=uid)

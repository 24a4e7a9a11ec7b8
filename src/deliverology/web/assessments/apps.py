from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "deliverology.web.assessments"
    label = "assessments"
    verbose_name = _("Assessments and documents")

    def ready(self) -> None:
        from deliverology.core.routines import Routine
        from deliverology.web.assessments.readers import notes_published_on, reports_published_on
        from deliverology.web.routines.calendar import register_held_dates

        register_held_dates(Routine.MONTHLY_NOTE, notes_published_on)
        register_held_dates(Routine.DELIVERY_REPORT, reports_published_on)

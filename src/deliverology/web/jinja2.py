"""The Jinja2 environment for pages: URL reversing, static files, translations, formatting."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment

from deliverology.configuration import load_method_config
from deliverology.reports.numbers import measure, money, number, signed


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def person(user: Any) -> str:
    """A person as people know them: their full name, else their username; "" for nobody."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def cost(value: float | None) -> str:
    """A cost in the configured currency: "$9,500,000"."""
    return money(value, load_method_config().strategy.currency_format, empty="")


def approvals_waiting(request: HttpRequest) -> int | None:
    """How many proposed changes await this person's decision; None for those who cannot
    decide (the navigation then shows no Approvals link)."""
    from deliverology.web.priorities.actions import may_approve
    from deliverology.web.priorities.proposals import awaiting

    user = request.user
    if not isinstance(user, User) or not may_approve(user):
        return None
    return awaiting(user).count()


def plan_summary(priority: Any) -> Any:
    """The priority's delivery plan in brief, for its page (None when it has no plan)."""
    from deliverology.web.plans.actions import chain_weak_links_unmitigated
    from deliverology.web.plans.actions import plan_summary as summary
    from deliverology.web.priorities.clock import today

    return summary(priority, today(), chain_weak_links_unmitigated(priority))


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701  (autoescape is set in settings.TEMPLATES)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals.update(
        url=url,
        static=static,
        site_name=settings.SITE_NAME,
        method=load_method_config(),
        get_language=translation.get_language,
        approvals_waiting=approvals_waiting,
        plan_summary=plan_summary,
    )
    env.filters.update(number=number, signed=signed, measure=measure, person=person, cost=cost)
    return env

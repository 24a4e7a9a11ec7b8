"""Who may see and change what: one profile per person, with a role (docs/method.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deliverology.web.performance.models import LocalUnit


class Profile(models.Model):
    class Role(models.TextChoices):
        SYSTEM_LEADER = "system_leader", _("System leader")
        DELIVERY_UNIT = "delivery_unit", _("Delivery unit staff")
        PRIORITY_OWNER = "priority_owner", _("Priority owner")
        LOCAL_UNIT_USER = "local_unit_user", _("Local-unit user")
        VIEWER = "viewer", _("Viewer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    local_units = models.ManyToManyField(
        LocalUnit,
        verbose_name=_("local units"),
        blank=True,
        help_text=_("For local-unit users: the units (and everything under them) they may see."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

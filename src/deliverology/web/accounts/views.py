"""Set-up's own "change password" page, with the old password's check throttled."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse_lazy

from deliverology.web.accounts.forms import ThrottledPasswordChangeForm


class ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("admin:password_change_done")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


def admin_password_change(request: HttpRequest) -> HttpResponseBase:
    """Django's admin page for changing one's own password, through the throttled form."""
    request.current_app = admin.site.name
    view = ThrottledPasswordChangeView.as_view(extra_context=admin.site.each_context(request))
    return view(request)

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from deliverology.web.accounts.forms import LoginForm
from deliverology.web.accounts.views import admin_password_change

urlpatterns = [
    path("", include("deliverology.web.health.urls")),
    path("", include("deliverology.web.priorities.urls")),
    path("", include("deliverology.web.diagnostics.urls")),
    path("", include("deliverology.web.performance.urls")),
    path("", include("deliverology.web.subtargets.urls")),
    path("", include("deliverology.web.strategy.urls")),
    path("", include("deliverology.web.chains.urls")),
    path("", include("deliverology.web.plans.urls")),
    path("", include("deliverology.web.routines.urls")),
    path("", include("deliverology.web.assessments.urls")),
    path("", include("deliverology.web.problems.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            # LoginView names the site after the request's Host header; the product's name wins.
            extra_context={"site_name": settings.SITE_NAME},
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # before the admin's own, so that its old password check counts towards the lockout
    path(
        "admin/password_change/",
        admin.site.admin_view(admin_password_change),
        name="admin_password_change",
    ),
    path("admin/", admin.site.urls),
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("deliverology/favicon.svg"), permanent=True),
    ),
]

handler403 = "deliverology.web.errors.permission_denied"
handler404 = "deliverology.web.errors.page_not_found"
handler500 = "deliverology.web.errors.server_error"

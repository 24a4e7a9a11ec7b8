from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from deliverology.web.accounts.forms import LoginForm
from deliverology.web.accounts.views import admin_password_change

urlpatterns = [
    path("", include("deliverology.web.health.urls")),
    path("", include("deliverology.web.priorities.urls")),
    path("", include("deliverology.web.diagnostics.urls")),
    path("", include("deliverology.web.performance.urls")),
    path("", include("deliverology.web.subtargets.urls")),
    path("", include("deliverology.web.strategy.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", authentication_form=LoginForm
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
]

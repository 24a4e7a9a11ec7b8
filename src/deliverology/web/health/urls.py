from django.urls import path

from deliverology.web.health import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]

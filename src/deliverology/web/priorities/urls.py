from django.urls import path

from deliverology.web.priorities import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("method.css", views.method_css, name="method_css"),
    path("priorities/<str:code>/", views.priority_detail, name="priority"),
    path(
        "priorities/<str:code>/units/<str:unit_code>/", views.priority_detail, name="priority_unit"
    ),
]

from django.urls import path

from deliverology.web.diagnostics import views

urlpatterns = [
    path("priorities/<str:code>/diagnostic/", views.diagnostic, name="diagnostic"),
    path("priorities/<str:code>/diagnostic.xlsx", views.diagnostic_xlsx, name="diagnostic_xlsx"),
    path(
        "priorities/<str:code>/diagnostic/<str:unit_code>/",
        views.diagnostic,
        name="diagnostic_unit",
    ),
    path(
        "priorities/<str:code>/diagnostic/<str:unit_code>/diagnostic.xlsx",
        views.diagnostic_xlsx,
        name="diagnostic_unit_xlsx",
    ),
    path("comparators/", views.comparators, name="comparators"),
]

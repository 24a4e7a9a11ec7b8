from django.urls import path

from deliverology.web.performance import views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/mapping/", views.mapping_builder, name="mapping_builder"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
]

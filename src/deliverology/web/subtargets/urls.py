from django.urls import path

from deliverology.web.subtargets import views

urlpatterns = [
    path("sub-targets/", views.target_list, name="sub_target_list"),
    path("targets/<int:target_id>/sub-targets/", views.sub_targets, name="sub_targets"),
    path("targets/<int:target_id>/sub-targets/build/", views.build, name="sub_targets_build"),
    path("targets/<int:target_id>/sub-targets/stretch/", views.stretch, name="sub_targets_stretch"),
    path("targets/<int:target_id>/sub-targets/agree/", views.agree, name="sub_targets_agree"),
    path("targets/<int:target_id>/sub-targets/reshape/", views.reshape, name="sub_targets_reshape"),
    path("targets/<int:target_id>/spreadsheet.xlsx", views.export, name="target_spreadsheet"),
    path(
        "targets/<int:target_id>/spreadsheet/import/",
        views.import_spreadsheet,
        name="target_spreadsheet_import",
    ),
    path("sub-targets/<int:pk>/propose/", views.propose, name="sub_target_propose"),
    path("sub-targets/<int:pk>/adjust/", views.adjust, name="sub_target_adjust"),
]

from django.urls import path

from deliverology.web.assessments import views

urlpatterns = [
    path("assessments/", views.rounds, name="reporting_rounds"),
    path("assessments/<int:pk>/", views.reporting_round, name="reporting_round"),
    path("assessments/<int:pk>/report/", views.delivery_report, name="delivery_report"),
    path(
        "assessments/<int:pk>/report/publish/",
        views.delivery_report_publish,
        name="delivery_report_publish",
    ),
    path("assessments/<int:pk>/<str:code>/", views.assessment, name="assessment"),
    path(
        "assessments/<int:pk>/<str:code>/comment/",
        views.assessment_comment,
        name="assessment_comment",
    ),
    path(
        "assessments/<int:pk>/<str:code>/moderate/",
        views.assessment_moderate,
        name="assessment_moderate",
    ),
    path("notes/", views.notes, name="notes"),
    path("notes/<str:month>/", views.note, name="note"),
    path("notes/<str:month>/edit/", views.note_edit, name="note_edit"),
    path("notes/<str:month>/publish/", views.note_publish, name="note_publish"),
    path("league/", views.league, name="league"),
    path("league/keep/", views.league_keep, name="league_keep"),
    path("league/snapshots/<int:pk>/", views.league_snapshot, name="league_snapshot"),
]

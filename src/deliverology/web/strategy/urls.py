from django.urls import path

from deliverology.web.strategy import views

urlpatterns = [
    path("priorities/<str:code>/strategy/", views.strategy, name="strategy"),
    path("priorities/<str:code>/strategy/new/", views.intervention_new, name="intervention_new"),
    path(
        "priorities/<str:code>/strategy/<int:pk>/",
        views.intervention_edit,
        name="intervention_edit",
    ),
    path("priorities/<str:code>/stop-list/new/", views.stop_list_new, name="stop_list_new"),
    path("targets/<int:target_id>/course/", views.course, name="course"),
    path("targets/<int:target_id>/course/adopt/", views.adopt, name="course_adopt"),
    path("targets/<int:target_id>/lock/", views.lock, name="target_lock"),
    path("targets/<int:target_id>/revise/", views.revise, name="target_revise"),
]

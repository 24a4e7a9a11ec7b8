from django.urls import path

from deliverology.web.routines import views

urlpatterns = [
    path("routines/", views.routine_calendar, name="routine_calendar"),
    path("routines/feed/<str:token>/routines.ics", views.routine_feed, name="routine_feed"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/update/", views.action_update, name="action_update"),
    path("stocktakes/", views.stocktake_list, name="stocktakes"),
    path("stocktakes/<int:pk>/", views.stocktake_detail, name="stocktake"),
    path("stocktakes/<int:pk>/held/", views.stocktake_held, name="stocktake_held"),
    path("stocktakes/<int:pk>/cancel/", views.stocktake_cancel, name="stocktake_cancel"),
    path("stocktakes/<int:pk>/rubric/", views.stocktake_rubric, name="stocktake_rubric"),
    path("stocktakes/<int:pk>/pack/", views.stocktake_pack, name="stocktake_pack"),
    path("stocktakes/<int:pk>/pre-brief/", views.stocktake_prebrief, name="stocktake_prebrief"),
    path("stocktakes/<int:pk>/follow-up/", views.stocktake_follow_up, name="stocktake_follow_up"),
    path(
        "stocktakes/<int:pk>/follow-up/write/",
        views.stocktake_follow_up_edit,
        name="stocktake_follow_up_edit",
    ),
]

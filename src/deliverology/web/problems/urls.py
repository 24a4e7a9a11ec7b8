from django.urls import path

from deliverology.web.problems import review_views, views

urlpatterns = [
    path("problems/", views.register, name="problems"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("problems/<int:pk>/confirm/", views.confirm_problem, name="problem_confirm"),
    path("problems/<int:pk>/close/", views.close_problem, name="problem_close"),
    path("problems/<int:pk>/root-causes/", views.add_root_cause, name="problem_root_cause_add"),
    path(
        "problems/<int:pk>/root-causes/<int:cause>/remove/",
        views.remove_root_cause_view,
        name="problem_root_cause_remove",
    ),
    path("problems/<int:pk>/review/", review_views.review_new, name="priority_review_new"),
    path("problems/<int:pk>/crisis-group/", review_views.crisis_new, name="crisis_group_new"),
    path("reviews/<int:pk>/", review_views.review_detail, name="priority_review"),
    path("reviews/<int:pk>/sites/", review_views.review_site, name="priority_review_site"),
    path("reviews/<int:pk>/findings/", review_views.review_finding, name="priority_review_finding"),
    path(
        "reviews/<int:pk>/recommendations/",
        review_views.review_recommendations,
        name="priority_review_recommendations",
    ),
    path(
        "reviews/<int:pk>/follow-up/",
        review_views.review_follow_up,
        name="priority_review_follow_up",
    ),
    path("crisis-groups/<int:pk>/", review_views.crisis_detail, name="crisis_group"),
    path("crisis-groups/<int:pk>/scope/", review_views.crisis_scope, name="crisis_group_scope"),
    path(
        "crisis-groups/<int:pk>/meetings/", review_views.crisis_meeting, name="crisis_group_meeting"
    ),
    path("momentum/", views.momentum, name="momentum"),
]

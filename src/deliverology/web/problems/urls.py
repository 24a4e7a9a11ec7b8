from django.urls import path

from deliverology.web.problems import views

urlpatterns = [
    path("problems/", views.register, name="problems"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("problems/<int:pk>/confirm/", views.confirm_problem, name="problem_confirm"),
    path("problems/<int:pk>/close/", views.close_problem, name="problem_close"),
    path("momentum/", views.momentum, name="momentum"),
]

from django.urls import path

from deliverology.web.priorities import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/decide/", views.decide, name="approval_decide"),
    path("approvals/<int:pk>/withdraw/", views.withdraw, name="approval_withdraw"),
    path("method.css", views.method_css, name="method_css"),
    path("search/", views.unit_search, name="unit_search"),
    path("priorities/<str:code>/", views.priority_detail, name="priority"),
    path(
        "priorities/<str:code>/units/<str:unit_code>/", views.priority_detail, name="priority_unit"
    ),
]

from django.urls import path

from deliverology.web.plans import views

urlpatterns = [
    path("priorities/<str:code>/plan/", views.priority_plan, name="plan"),
    path("priorities/<str:code>/plan/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/workbook.xlsx", views.plan_export, name="plan_export"),
    path("plans/<int:pk>/import/", views.plan_import, name="plan_import"),
    path("plans/<int:pk>/<str:kind>/new/", views.item_new, name="plan_item_new"),
    path("plans/<int:pk>/<str:kind>/<int:item>/", views.item_edit, name="plan_item_edit"),
    path("milestones/<int:pk>/update/", views.milestone_update, name="milestone_update"),
    path("milestones/mine/", views.my_milestones, name="my_milestones"),
    path("plans.css", views.plans_css, name="plans_css"),
]

from django.urls import path

from deliverology.web.chains import views

urlpatterns = [
    path("priorities/<str:code>/chains/", views.chains, name="chains"),
    path("priorities/<str:code>/chains/new/", views.chain_new, name="chain_new"),
    path("priorities/<str:code>/chains/<int:pk>/", views.chain, name="chain"),
    path("priorities/<str:code>/chains/<int:pk>/chain.xlsx", views.chain_xlsx, name="chain_xlsx"),
    path("priorities/<str:code>/chains/<int:pk>/chain.csv", views.chain_csv, name="chain_csv"),
    path("priorities/<str:code>/chains/<int:pk>/links/new/", views.link_new, name="link_new"),
    path(
        "priorities/<str:code>/chains/<int:pk>/links/<int:link_pk>/",
        views.link_edit,
        name="link_edit",
    ),
    path(
        "priorities/<str:code>/chains/<int:pk>/links/<int:link_pk>/rate/",
        views.rate,
        name="link_rate",
    ),
    path("priorities/<str:code>/activities/", views.activities, name="activities"),
    path("priorities/<str:code>/activities/new/", views.activity_new, name="activity_new"),
    path("priorities/<str:code>/activities/<int:pk>/", views.activity_edit, name="activity_edit"),
    path("priorities/<str:code>/drivers/", views.drivers, name="drivers"),
    path("priorities/<str:code>/drivers/new/", views.driver_new, name="driver_new"),
    path(
        "priorities/<str:code>/drivers/promote/<int:hypothesis_pk>/",
        views.promote,
        name="driver_promote",
    ),
]

"""URLs of the web UI."""

from django.urls import path

from govit.web import views

app_name = "web"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("home/", views.home, name="home"),
    path("home/<slug:role>/", views.home, name="home-role"),
    path("profile/", views.profile, name="profile"),
]

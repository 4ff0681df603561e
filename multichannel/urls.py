from django.urls import include, path

from multichannel.views import activity, auth, home, users

users_patterns = (
    [
        path("", users.UserListView.as_view(), name="list"),
        path("export.csv", users.UserExportView.as_view(), name="export"),
        path("new/", users.UserCreateView.as_view(), name="create"),
        path("<uuid:uuid>/", users.UserDetailView.as_view(), name="detail"),
        path("<uuid:uuid>/edit/", users.UserEditView.as_view(), name="edit"),
        path(
            "<uuid:uuid>/deactivate/",
            users.UserStatusView.as_view(deactivate=True),
            name="deactivate",
        ),
        path(
            "<uuid:uuid>/reactivate/",
            users.UserStatusView.as_view(deactivate=False),
            name="reactivate",
        ),
        path(
            "<uuid:uuid>/reset-password/",
            users.UserPasswordResetView.as_view(),
            name="reset-password",
        ),
    ],
    "users",
)

activity_patterns = (
    [
        path("", activity.ActivityListView.as_view(), name="list"),
        path("export.csv", activity.ActivityExportView.as_view(), name="export"),
    ],
    "activity",
)

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("users/", include(users_patterns)),
    path("activity/", include(activity_patterns)),
]

from django.urls import include, path

from multichannel.views import (
    activity,
    auth,
    customers,
    home,
    invitations,
    mfa,
    moves,
    relationships,
    subscriptions,
    support,
    transfers,
    users,
)

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
        path("<uuid:uuid>/reset-mfa/", users.UserMfaResetView.as_view(), name="reset-mfa"),
        path("sign-in-policy/", users.MfaRequirementView.as_view(), name="mfa-requirement"),
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

customers_patterns = (
    [
        path("", customers.CustomerListView.as_view(), name="list"),
        path("export.csv", customers.CustomerExportView.as_view(), name="export"),
        path("new/", customers.CustomerCreateView.as_view(), name="create"),
        path("<uuid:uuid>/", customers.CustomerDetailView.as_view(), name="detail"),
        path(
            "<uuid:uuid>/subscriptions/new/",
            customers.SubscriptionCreateView.as_view(),
            name="enter-subscription",
        ),
        path("<uuid:uuid>/onboard-azure/", moves.EnteredSourceView.as_view(), name="onboard-azure"),
        path(
            "<uuid:uuid>/remove-relationship/",
            relationships.RemoveRelationshipView.as_view(),
            name="remove-relationship",
        ),
    ],
    "customers",
)

relationship_requests_patterns = (
    [
        path("", relationships.RequestListView.as_view(), name="list"),
        path("new/", relationships.RequestCustomerStep.as_view(), name="new"),
        path("new/roles/", relationships.RequestRolesStep.as_view(), name="new-roles"),
        path("new/review/", relationships.RequestReviewStep.as_view(), name="new-review"),
        path("<uuid:uuid>/", relationships.RequestDetailView.as_view(), name="detail"),
        path("<uuid:uuid>/send/", relationships.RequestSendView.as_view(), name="send"),
        path("<uuid:uuid>/revoke/", relationships.RequestRevokeView.as_view(), name="revoke"),
    ],
    "relationship_requests",
)

subscriptions_patterns = (
    [
        path("", subscriptions.SubscriptionListView.as_view(), name="list"),
        path("export.csv", subscriptions.SubscriptionExportView.as_view(), name="export"),
        path("<uuid:uuid>/", subscriptions.SubscriptionDetailView.as_view(), name="detail"),
        path("<uuid:uuid>/seats/", subscriptions.SeatsView.as_view(), name="seats"),
        path("<uuid:uuid>/auto-renew/", subscriptions.AutoRenewView.as_view(), name="auto-renew"),
        path("<uuid:uuid>/suspend/", subscriptions.SuspendView.as_view(), name="suspend"),
        path("<uuid:uuid>/reactivate/", subscriptions.ReactivateView.as_view(), name="reactivate"),
        path("<uuid:uuid>/cancel/", subscriptions.CancelView.as_view(), name="cancel"),
        path("<uuid:uuid>/onboard/", moves.StartOnboardingView.as_view(), name="onboard"),
        path("<uuid:uuid>/move/", moves.PlanMoveView.as_view(), name="plan-move"),
    ],
    "subscriptions",
)

onboardings_patterns = (
    [
        path("", moves.OnboardingListView.as_view(), name="list"),
        path("<uuid:uuid>/", moves.OnboardingDetailView.as_view(), name="detail"),
        path("<uuid:uuid>/existing/", moves.SourceStep.as_view(), name="source"),
        path(
            "<uuid:uuid>/new-subscription/",
            moves.NewSubscriptionStep.as_view(),
            name="subscription",
        ),
        path("<uuid:uuid>/services/", moves.ServicesStep.as_view(), name="services"),
        path("<uuid:uuid>/review/", moves.ReviewStep.as_view(), name="review"),
    ],
    "onboardings",
)

moves_patterns = (
    [
        path("", moves.MoveListView.as_view(), name="list"),
        path("<uuid:uuid>/", moves.MoveDetailView.as_view(), name="detail"),
        path("<uuid:uuid>/done/", moves.CloseMoveView.as_view(done=True), name="done"),
        path("<uuid:uuid>/cancel/", moves.CloseMoveView.as_view(done=False), name="cancel"),
    ],
    "moves",
)

transfers_patterns = (
    [
        path("", transfers.TransferListView.as_view(), name="list"),
        path("new/", transfers.TransferCreateView.as_view(), name="new"),
        path("<uuid:uuid>/", transfers.TransferDetailView.as_view(), name="detail"),
        path(
            "<uuid:uuid>/accept/", transfers.TransferAnswerView.as_view(accept=True), name="accept"
        ),
        path(
            "<uuid:uuid>/decline/",
            transfers.TransferAnswerView.as_view(accept=False),
            name="decline",
        ),
        path("<uuid:uuid>/cancel/", transfers.TransferCancelView.as_view(), name="cancel"),
    ],
    "transfers",
)

support_patterns = (
    [
        path("", support.SupportListView.as_view(), name="list"),
        path("export.csv", support.SupportExportView.as_view(), name="export"),
        path("new/", support.SupportCreateView.as_view(), name="new"),
        path("<uuid:uuid>/", support.SupportDetailView.as_view(), name="detail"),
        path("<uuid:uuid>/status/", support.SupportStatusView.as_view(), name="status"),
        path("<uuid:uuid>/assign/", support.SupportAssignView.as_view(), name="assign"),
        path("attachments/<uuid:uuid>/", support.AttachmentView.as_view(), name="attachment"),
    ],
    "support",
)

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("sign-in/", auth.SignInView.as_view(), name="sign-in"),
    path("sign-out/", auth.SignOutView.as_view(), name="sign-out"),
    path("sign-in/verify/", mfa.SecondStepView.as_view(), name="sign-in-verify"),
    path("sign-in/recovery/", mfa.SecondStepView.as_view(recovery=True), name="sign-in-recovery"),
    path("account/confirm/", mfa.StepUpView.as_view(), name="step-up"),
    path(
        "account/confirm/recovery/", mfa.StepUpView.as_view(recovery=True), name="step-up-recovery"
    ),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password-change"),
    path("account/security/", mfa.SecurityView.as_view(), name="account-security"),
    path("account/security/authenticator/", mfa.EnrolView.as_view(), name="mfa-enrol"),
    path(
        "account/security/authenticator/remove/",
        mfa.RemoveAuthenticatorView.as_view(),
        name="mfa-remove",
    ),
    path(
        "account/security/recovery-codes/",
        mfa.RecoveryCodesView.as_view(),
        name="mfa-recovery-codes",
    ),
    path(
        "account/security/recovery-codes/download/",
        mfa.RecoveryCodesDownloadView.as_view(),
        name="mfa-recovery-codes-download",
    ),
    path(
        "account/security/recovery-codes/new/",
        mfa.RegenerateCodesView.as_view(),
        name="mfa-recovery-codes-new",
    ),
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
    path("customers/", include(customers_patterns)),
    path("subscriptions/", include(subscriptions_patterns)),
    path("relationship-requests/", include(relationship_requests_patterns)),
    path("onboardings/", include(onboardings_patterns)),
    path("planned-moves/", include(moves_patterns)),
    path("transfers/", include(transfers_patterns)),
    path("support/", include(support_patterns)),
    path(
        "invitations/<str:token>/", invitations.InvitationLinkView.as_view(), name="invitation-link"
    ),
    path("invitation/", invitations.InvitationView.as_view(), name="invitation"),
    path("activity/", include(activity_patterns)),
]

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.generic import DetailView, FormView
from django_otp.plugins.otp_totp.models import TOTPDevice

from multichannel import access, mfa, notifications
from multichannel.filtersets import UserFilterSet
from multichannel.forms.mfa import MfaRequirementForm
from multichannel.forms.users import PasswordResetForm, UserForm
from multichannel.roles import Perm
from multichannel.services import mfa as mfa_services
from multichannel.services import users as user_services
from multichannel.views.lists import Column, CsvExportMixin, FilteredListView
from multichannel.views.mixins import (
    ActionMixin,
    ButtonMixin,
    ObjectMixin,
    PortalMixin,
    StepUpMixin,
)

SHOWN_ONCE = "portal_temporary_password"

USERS_CRUMB = ("Users", reverse_lazy("users:list"))


def _remember_temporary_password(request, given: user_services.AccessGiven) -> None:
    if given.temporary_password:
        request.session[SHOWN_ONCE] = {
            "user": str(given.user.uuid),
            "password": given.temporary_password,
        }


class UserListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_USERS
    section = "users"
    title = "Users"
    template_name = "users/list.html"
    filterset_class = UserFilterSet
    sort_fields = {
        "name": ("full_name", "email"),
        "email": ("email",),
        "last_login": ("last_login",),
        "joined": ("date_joined",),
    }
    default_sort = "name"

    def base_queryset(self):
        return (
            access.users_for(self.request.user)
            .with_roles()
            .annotate(uses_mfa=Exists(_confirmed_authenticator()))
        )

    def get_breadcrumbs(self):
        return [("Users", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["adoption"] = mfa_adoption(self.request.user)
        context["mfa_required"] = self.request.user.partner.require_mfa
        context["may_set_mfa_requirement"] = access.can_set_mfa_requirement(self.request.user)
        return context


class UserExportView(CsvExportMixin, UserListView):
    csv_name = "users"
    csv_chunk_size = 500
    csv_columns = (
        Column("Name", lambda u: u.full_name),
        Column("Email", lambda u: u.email),
        Column("Roles", lambda u: "; ".join(u.role_labels)),
        Column("Status", lambda u: "Active" if u.is_active else "Deactivated"),
        Column("Multi-factor sign-in", lambda u: "Authenticator app" if u.uses_mfa else "None"),
        Column("Last sign-in", lambda u: u.last_login.isoformat() if u.last_login else ""),
        Column("Joined", lambda u: u.date_joined.isoformat()),
    )


class UserObjectMixin(ObjectMixin):
    permission = Perm.VIEW_USERS
    section = "users"
    lookup = access.get_user_for
    context_name = "target"

    def get_breadcrumbs(self):
        return [USERS_CRUMB, (str(self.subject), self.subject.get_absolute_url())]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actions"] = access.user_actions(self.request.user, self.subject)
        return context


class UserActionMixin(UserObjectMixin):
    """A page that changes a user: a User management admin never acts on a Global admin, and
    is told so before anything posted is read."""

    permission = Perm.CHANGE_USERS

    def subject_check(self, subject):
        return access.can_change_user(self.request.user, subject)


class UserDetailView(UserObjectMixin, DetailView):
    template_name = "users/detail.html"
    context_object_name = "target"

    def get_object(self, queryset=None):
        return self.subject

    def get_title(self):
        return str(self.subject)

    def get_breadcrumbs(self):
        return [USERS_CRUMB, (str(self.subject), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shown = self.request.session.get(SHOWN_ONCE)
        if shown and shown.get("user") == str(self.subject.uuid):
            context["temporary_password"] = self.request.session.pop(SHOWN_ONCE)["password"]
        context["authenticator"] = mfa.authenticator(self.subject)
        if access.has(self.request.user, Perm.VIEW_ACTIVITY):
            context["history"] = list(
                access.activity_for(self.request.user).filter(
                    target_type="user", target_id=str(self.subject.uuid)
                )[:10]
            )
        return context


class UserCreateView(PortalMixin, ActionMixin, FormView):
    permission = Perm.ADD_USERS
    section = "users"
    title = "Add a user"
    template_name = "users/form.html"
    form_class = UserForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user}

    def get_breadcrumbs(self):
        return [USERS_CRUMB, ("Add a user", None)]

    def perform(self, form):
        given = user_services.create_user(
            by=self.request.user,
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            roles=set(form.cleaned_data["roles"]),
            delivery=form.cleaned_data["delivery"],
        )
        _remember_temporary_password(self.request, given)
        if given.temporary_password:
            messages.success(self.request, f"{given.user} can now sign in.")
        else:
            _tell_about_the_link(self.request, f"{given.user} was added")
        return redirect("users:detail", uuid=given.user.uuid)


class UserEditView(StepUpMixin, UserActionMixin, ActionMixin, FormView):
    template_name = "users/form.html"
    form_class = UserForm

    def get_title(self):
        return f"Edit {self.subject}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Edit", None)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user, "target": self.subject}

    def perform(self, form):
        changed = user_services.update_user(
            by=self.request.user,
            user=self.subject,
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            roles=set(form.cleaned_data["roles"]),
            seen=form.cleaned_data["seen"],
        )
        if changed:
            messages.success(self.request, f"{self.subject} has been updated.")
        else:
            messages.info(self.request, "Nothing was changed.")
        return redirect("users:detail", uuid=self.subject.uuid)


class UserStatusView(UserActionMixin, ButtonMixin, DetailView):
    """Confirm, then deactivate or reactivate. GET asks; POST does."""

    template_name = "users/confirm_status.html"
    context_object_name = "target"
    deactivate = True

    def get_object(self, queryset=None):
        return self.subject

    def check(self):
        if self.deactivate:
            return access.can_deactivate(self.request.user, self.subject)
        return access.can_reactivate(self.request.user, self.subject)

    def get_title(self):
        return f"{'Deactivate' if self.deactivate else 'Reactivate'} {self.subject}"

    def get_breadcrumbs(self):
        return [
            *super().get_breadcrumbs(),
            ("Deactivate" if self.deactivate else "Reactivate", None),
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "deactivate": self.deactivate,
            "check": self.check(),
        }

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        service = (
            user_services.deactivate_user if self.deactivate else user_services.reactivate_user
        )
        service(by=self.request.user, user=self.subject)
        verb = "deactivated; their sessions have ended" if self.deactivate else "reactivated"
        messages.success(self.request, f"{self.subject} has been {verb}.")
        return redirect("users:detail", uuid=self.subject.uuid)


class UserPasswordResetView(StepUpMixin, UserActionMixin, ActionMixin, FormView):
    template_name = "users/reset_password.html"
    form_class = PasswordResetForm

    def get_title(self):
        return f"Reset the password of {self.subject}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Reset password", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["check"] = access.can_reset_password(self.request.user, self.subject)
        return context

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        given = user_services.reset_password(
            by=self.request.user, user=self.subject, delivery=form.cleaned_data["delivery"]
        )
        _remember_temporary_password(self.request, given)
        if given.temporary_password:
            messages.success(self.request, f"The password of {self.subject} has been reset.")
        else:
            _tell_about_the_link(self.request, f"The password of {self.subject} has been reset")
        return redirect("users:detail", uuid=self.subject.uuid)


class UserMfaResetView(StepUpMixin, UserActionMixin, ButtonMixin, DetailView):
    """Confirm, then remove all of the user's second factors and end their sessions."""

    template_name = "users/reset_mfa.html"
    context_object_name = "target"

    def get_object(self, queryset=None):
        return self.subject

    def get_title(self):
        return f"Reset multi-factor sign-in of {self.subject}"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Reset multi-factor sign-in", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["check"] = access.can_reset_mfa(self.request.user, self.subject)
        context["enrolled"] = mfa.has_factor(self.subject)
        return context

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        mfa_services.reset_mfa(by=self.request.user, user=self.subject)
        messages.success(
            self.request,
            f"The multi-factor sign-in of {self.subject} has been reset; their sessions have "
            "ended.",
        )
        return redirect("users:detail", uuid=self.subject.uuid)


class MfaRequirementView(StepUpMixin, PortalMixin, ActionMixin, FormView):
    """A Global admin decides whether the partner's users must sign in with a second factor."""

    permission = Perm.CHANGE_PARTNER_SETTINGS
    section = "users"
    title = "Multi-factor sign-in"
    template_name = "users/mfa_requirement.html"
    form_class = MfaRequirementForm

    def get_breadcrumbs(self):
        return [USERS_CRUMB, ("Multi-factor sign-in", None)]

    def get_initial(self):
        return {"require_mfa": "yes" if self.request.user.partner.require_mfa else "no"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["adoption"] = mfa_adoption(self.request.user)
        return context

    def perform(self, form):
        required = form.cleaned_data["require_mfa"]
        if mfa_services.set_mfa_requirement(by=self.request.user, require=required):
            if required:
                messages.success(
                    self.request,
                    "Multi-factor sign-in is now required. Users without an authenticator app "
                    "set one up at their next sign-in.",
                )
            else:
                messages.success(self.request, "Multi-factor sign-in is no longer required.")
        else:
            messages.info(self.request, "Nothing was changed.")
        return redirect("users:list")


def mfa_adoption(viewer) -> dict[str, int]:
    """How many of the partner's active users sign in with a second factor, in one query."""
    return (
        access.users_for(viewer)
        .filter(is_active=True)
        .aggregate(
            total=Count("pk"), enrolled=Count("pk", filter=Q(Exists(_confirmed_authenticator())))
        )
    )


def _confirmed_authenticator():
    return TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)


def _tell_about_the_link(request, done: str) -> None:
    """Whether the set-password link went out: the change is saved either way."""
    if notifications.delivery_failed():
        messages.warning(
            request,
            f"{done}, but the link to set a password could not be emailed: the mail server did "
            "not take it. Reset the password again in a minute, or choose a temporary password.",
        )
    else:
        messages.success(request, f"{done}; a link to set a password was emailed.")

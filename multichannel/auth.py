"""Sign-in helpers shared by the settings (django-axes) and the views."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from multichannel import throttle
from multichannel.models import User
from multichannel.roles import ROLE_PERMISSIONS


def axes_username(request, credentials) -> str | None:
    """Count failed sign-ins per email whatever its letter case."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if username else None


class PortalBackend(ModelBackend):
    """Django's email-and-password backend, loading what every page shows with the user.

    Permissions come only from the partner's role groups (roles.py); nobody holds permissions
    of their own, so neither permission query runs on any page."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            # An account guessed at from many addresses: the sign-in page says so and when to
            # try again; any other way in (the Django admin's) is refused the same, unchecked.
            email = axes_username(request, {"username": username})
            if (
                email
                and not getattr(request, "portal_wait_checked", False)
                and throttle.account_wait(request, email) is not None
            ):
                raise PermissionDenied("Too many failed sign-ins for this account.")
            # A failure after this point is a guess whose password was checked; one refused
            # before it (by django-axes or the wait above) is not (see throttle.py).
            request.portal_password_checked = True
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        """The permissions of the roles the user holds, read from roles.py (which the role
        groups' permissions mirror, see `sync_role_groups()`), so no query asks for them.
        Permissions given to a group by hand, in the admin, therefore grant nothing: roles.py
        is the only place that says what a role may do."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()

        return set().union(*(ROLE_PERMISSIONS[role] for role in user_obj.roles))

    def get_user(self, user_id):

        try:
            user = User.objects.select_related("partner").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

"""Sign-in helpers shared by the settings (django-axes) and the views."""

from django.contrib.auth.backends import ModelBackend


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

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        """The permissions of the roles the user holds, read from roles.py (which the role
        groups' permissions mirror, see `sync_role_groups()`), so no query asks for them.
        Permissions given to a group by hand, in the admin, therefore grant nothing: roles.py
        is the only place that says what a role may do."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_portal_role_perms"):
            from multichannel.roles import ROLE_PERMISSIONS

            user_obj._portal_role_perms = set().union(
                *(ROLE_PERMISSIONS[role] for role in user_obj.roles)
            )
        return user_obj._portal_role_perms

    def get_user(self, user_id):
        from multichannel.models import RoleGroup, User
        from multichannel.roles import Role

        try:
            user = User.objects.select_related("partner").get(pk=user_id)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        # The roles as plain values, in one query (no group objects to build on every page).
        user.__dict__["roles"] = frozenset(
            Role(role)
            for role in RoleGroup.objects.filter(
                group__user=user, partner_id=user.partner_id
            ).values_list("role", flat=True)
        )
        return user

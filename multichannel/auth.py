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
    of their own, so that query is skipped on every page."""

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_user(self, user_id):
        from multichannel.models import User

        try:
            user = User.objects.select_related("partner").with_roles().get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

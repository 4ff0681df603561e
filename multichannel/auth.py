"""Sign-in helpers shared by the settings (django-axes) and the views."""


def axes_username(request, credentials) -> str | None:
    """Count failed sign-ins per email whatever its letter case."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    return username.strip().lower() if username else None

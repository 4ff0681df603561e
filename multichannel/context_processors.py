from multichannel import access, navigation


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not access.is_portal_user(user):
        return {"nav": [], "can": None}
    return {"nav": navigation.navigation(user), "can": navigation.Capabilities(user)}

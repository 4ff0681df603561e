from multichannel import access


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not access.is_portal_user(user):
        return {"nav": [], "can": None}
    return {"nav": access.navigation(user), "can": access.Capabilities(user)}

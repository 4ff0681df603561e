"""Row locks for the services, the actor as it is now, and the versions edit pages send back."""

import hashlib

from django.db.models import QuerySet

from multichannel import access
from multichannel.models import User


def lock_then_read(queryset: QuerySet, **lookup):
    """The row `lookup` finds in `queryset`, locked until the transaction ends (FOR NO KEY
    UPDATE: no key ever changes, and inserts that refer to the row are not held up), then read
    with `queryset`'s joins in a second statement. When PostgreSQL grants a lock someone else
    held, it re-reads the locked row only; a row joined into the same statement would come back
    as it was before (an assignee or a partner of record changed meanwhile)."""
    queryset.model._default_manager.select_for_update(no_key=True).filter(**lookup).values_list(
        "pk"
    ).get()
    return queryset.get(**lookup)


def fingerprint(*values) -> str:
    """A short version of what an edit page showed. The page sends it back, and the service
    refuses the save if the row no longer matches: a colleague changed it in the meantime, and
    saving the page would silently undo that."""
    return hashlib.sha256("\x1f".join(map(str, values)).encode()).hexdigest()[:16]


def fresh_actor(by: User, permission: str) -> User:
    """`by` as the database has it now (roles, partner, active flag), not as the request loaded
    it: a deactivated account is refused with a 403 naming `permission`, the role the page it
    acted from needed."""
    actor = User.objects.select_related("partner").get(pk=by.pk)
    if not actor.is_active:
        raise access.RoleRequired(permission, "Your account has been deactivated.")
    return actor

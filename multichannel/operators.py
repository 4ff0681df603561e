"""Platform operators: staff who sign in to the Django admin and belong to no partner.

They browse every partner's data there, read-only. The few changes they make (a new partner and
its first Global admin; deactivating or reactivating a user) go through the same services as the
portal's pages, which check, lock and record them in the activity log with the operator as actor
and the partner acted on as the entry's partner.

Operators are superusers (a user without a partner must be one), so they hold the model
permission each task asks for; the admin grants nothing else: its add, change and delete pages
are refused.
"""

from django.core.exceptions import PermissionDenied

from multichannel.access import ALLOWED, Check
from multichannel.roles import Role

CREATE_PARTNERS = "multichannel.add_partner"
ACTIVATE_USERS = "multichannel.change_user"

_TASKS = {
    CREATE_PARTNERS: "Creating a partner needs the “Can add partner” permission.",
    ACTIVATE_USERS: "Deactivating or reactivating users needs the “Can change user” permission.",
}


def is_operator(user) -> bool:
    """Signed in, active, allowed into the Django admin, and of no partner."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.partner_id is None
    )


def may(user, task: str) -> bool:
    return is_operator(user) and user.has_perm(task)


def require(user, task: str) -> None:
    if not is_operator(user):
        raise PermissionDenied("Only a platform operator does this, from the Django admin.")
    if not user.has_perm(task):
        raise PermissionDenied(_TASKS[task])


def can_deactivate(operator, target, *, other_global_admins: int) -> Check:
    """Rule 2 holds for operators too: a partner keeps an active Global admin (besides `target`,
    its partner has `other_global_admins`), and nobody deactivates themselves."""
    if not target.is_active:
        return Check(False, f"{target} is already deactivated.")
    if target.pk == operator.pk:
        return Check(False, "You cannot deactivate yourself; ask another operator.")
    if target.is_superuser and not operator.is_superuser:
        return Check(False, f"{target} is a superuser; only a superuser deactivates one.")
    if target.partner_id and target.has_role(Role.GLOBAL_ADMIN) and other_global_admins < 1:
        return Check(
            False,
            f"{target} is the last active Global admin of {target.partner.name}; "
            "make someone else a Global admin first.",
        )
    return ALLOWED


def can_reactivate(operator, target) -> Check:
    if target.is_active:
        return Check(False, f"{target} is already active.")
    if target.is_superuser and not operator.is_superuser:
        return Check(False, f"{target} is a superuser; only a superuser reactivates one.")
    return ALLOWED

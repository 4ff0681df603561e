"""Who may see and change the partner's user accounts (rule 2: one active Global admin stays)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _missing, has, require
from multichannel.models import User
from multichannel.models.users import UserQuerySet
from multichannel.roles import Perm, Role


def users_for(viewer) -> UserQuerySet:
    require(viewer, Perm.VIEW_USERS)
    return User.objects.filter(partner_id=viewer.partner_id)


def get_user_for(viewer, user_uuid) -> User:
    return get_object_or_404(users_for(viewer).with_roles(), uuid=user_uuid)


def active_global_admins(partner_id) -> QuerySet[User]:
    return User.objects.filter(partner_id=partner_id, is_active=True).holding(Role.GLOBAL_ADMIN)


def grantable_roles(actor) -> list[Role]:
    """The roles `actor` may give or take away."""
    if not has(actor, Perm.CHANGE_USERS):
        return []
    return [
        role for role in Role if role != Role.GLOBAL_ADMIN or has(actor, Perm.MANAGE_GLOBAL_ADMINS)
    ]


def can_change_user(actor, target: User) -> Check:
    if not has(actor, Perm.CHANGE_USERS):
        return _missing(Perm.CHANGE_USERS)
    if target.partner_id != actor.partner_id:
        return _missing(Perm.CHANGE_USERS, "That user belongs to another partner.")
    if target.has_role(Role.GLOBAL_ADMIN) and not has(actor, Perm.MANAGE_GLOBAL_ADMINS):
        return _missing(
            Perm.MANAGE_GLOBAL_ADMINS,
            "Only a Global admin can change a Global admin's account.",
        )
    return ALLOWED


def can_set_roles(actor, target: User, new_roles: set[Role]) -> Check:
    check = can_change_user(actor, target)
    if not check:
        return check
    touched = set(target.roles) ^ set(new_roles)
    if Role.GLOBAL_ADMIN in touched and not has(actor, Perm.MANAGE_GLOBAL_ADMINS):
        return _missing(Perm.MANAGE_GLOBAL_ADMINS, "Only a Global admin can grant or revoke it.")
    if Role.GLOBAL_ADMIN not in new_roles and target.is_active:
        return _unless_last_global_admin(target)
    return ALLOWED


def _unless_last_global_admin(target: User) -> Check:
    """Rule 2: a partner always keeps one active Global admin."""
    if (
        target.has_role(Role.GLOBAL_ADMIN)
        and not active_global_admins(target.partner_id).exclude(pk=target.pk).exists()
    ):
        return Check(
            False,
            f"{target} is the last active Global admin; make someone else a Global admin first.",
        )
    return ALLOWED


def can_deactivate(actor, target: User) -> Check:
    if not target.is_active:
        return Check(False, f"{target} is already deactivated.")
    if target.pk == actor.pk:
        return Check(False, "You cannot deactivate yourself; ask another admin.")
    check = can_change_user(actor, target)
    if not check:
        return check
    return _unless_last_global_admin(target)


def can_reactivate(actor, target: User) -> Check:
    if target.is_active:
        return Check(False, f"{target} is already active.")
    return can_change_user(actor, target)


def can_reset_password(actor, target: User) -> Check:
    if target.pk == actor.pk:
        return Check(False, "Change your own password from your account menu.")
    if not target.is_active:
        return Check(False, f"{target} is deactivated; reactivate the account first.")
    return can_change_user(actor, target)


def can_reset_mfa(actor, target: User) -> Check:
    """Remove a user's second factors and end their sessions: whoever may change the user."""
    if target.pk == actor.pk:
        return Check(False, "Manage your own sign-in methods from Account security.")
    return can_change_user(actor, target)


def can_set_mfa_requirement(actor) -> Check:
    if not has(actor, Perm.CHANGE_PARTNER_SETTINGS):
        return _missing(Perm.CHANGE_PARTNER_SETTINGS)
    return ALLOWED


@dataclass(frozen=True)
class UserActions:
    edit: Check
    deactivate: Check
    reactivate: Check
    reset_password: Check
    reset_mfa: Check


def user_actions(actor, target: User) -> UserActions:
    return UserActions(
        edit=can_change_user(actor, target),
        deactivate=can_deactivate(actor, target),
        reactivate=can_reactivate(actor, target),
        reset_password=can_reset_password(actor, target),
        reset_mfa=can_reset_mfa(actor, target),
    )

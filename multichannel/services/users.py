"""User management: create, edit, roles, deactivate, reactivate, reset a password.

Every function locks the partner's row first, so that changes which could leave a partner without
an active Global admin queue behind each other and each sees the result of the one before.
"""

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from multichannel import access, notifications, operators
from multichannel.models import Action, Partner, RoleGroup, User
from multichannel.roles import Perm, Role
from multichannel.services.audit import record
from multichannel.services.errors import RuleViolation
from multichannel.services.locking import fingerprint


class AccessDelivery(models.TextChoices):
    TEMPORARY_PASSWORD = "temporary_password", "Show a one-time temporary password now"
    EMAIL_LINK = "email_link", "Email a link to set a password"


_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)


def generate_temporary_password() -> str:
    """16 unambiguous characters (about 93 bits), in groups of four for reading aloud."""
    chars = [secrets.choice(_PASSWORD_ALPHABET) for _ in range(16)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 16, 4))


@dataclass(frozen=True)
class AccessGiven:
    user: User
    temporary_password: str | None


def _lock(actor: User) -> tuple[Partner, User]:
    """Lock the actor's partner and re-read the actor as it is now (roles, active flag)."""
    partner = Partner.objects.select_for_update(no_key=True).get(pk=actor.partner_id)
    fresh = User.objects.get(pk=actor.pk)
    if not fresh.is_active:
        raise access.RoleRequired(Perm.VIEW_USERS, "Your account has been deactivated.")
    return partner, fresh


def _locked_target(partner: Partner, target: User) -> User:
    return User.objects.select_for_update(no_key=True).get(pk=target.pk, partner=partner)


def _role_labels(roles) -> list[str]:
    return [role.label for role in Role if role in roles]


def _check_grantable(actor: User, roles: set[Role], current: frozenset[Role] = frozenset()) -> None:
    if not roles:
        raise RuleViolation("Give the user at least one role.", field="roles")
    allowed = set(access.grantable_roles(actor))
    for role in roles ^ set(current):
        if role not in allowed:
            raise access.RoleRequired(
                Perm.MANAGE_GLOBAL_ADMINS, f"Only a Global admin can grant or revoke {role.label}."
            )


def give_access(user: User, delivery: AccessDelivery) -> str | None:
    if delivery == AccessDelivery.TEMPORARY_PASSWORD:
        password = generate_temporary_password()
        user.set_password(password)
        user.must_change_password = True
        return password
    user.set_unusable_password()
    user.must_change_password = False
    return None


def email_link_after_commit(user: User, delivery: AccessDelivery) -> None:
    if delivery == AccessDelivery.EMAIL_LINK:
        notifications.after_commit(notifications.send_set_password_link, user.pk)


def _email_taken(email: str, exclude_pk=None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


EMAIL_TAKEN = "A user with this email already exists."


def create_user(
    *, by: User, full_name: str, email: str, roles: set[Role], delivery: AccessDelivery
) -> AccessGiven:
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        partner, actor = _lock(by)
        access.require(actor, Perm.ADD_USERS)
        _check_grantable(actor, set(roles))
        if _email_taken(email):
            raise RuleViolation(EMAIL_TAKEN, field="email")
        user = User(partner=partner, full_name=full_name.strip(), email=email)
        password = give_access(user, AccessDelivery(delivery))
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise RuleViolation(EMAIL_TAKEN, field="email") from exc
        user.groups.set(RoleGroupLookup(partner).groups(roles))
        email_link_after_commit(user, delivery)
        record(
            Action.USER_CREATED,
            actor=actor,
            target=user,
            new={
                "full_name": user.full_name,
                "email": user.email,
                "roles": _role_labels(roles),
                "access": AccessDelivery(delivery).label,
            },
        )
    return AccessGiven(user, password)


def edit_version(user: User) -> str:
    """What the edit page shows of the user: name, email, roles."""
    return fingerprint(user.full_name, user.email, *sorted(role.value for role in user.roles))


def update_user(
    *,
    by: User,
    user: User,
    full_name: str,
    email: str,
    roles: set[Role],
    seen: str | None = None,
) -> bool:
    """Change name, email and roles in one step. Returns False when nothing changed. `seen` is
    the `edit_version` the page was built from."""
    email = User.objects.normalize_email(email).lower()
    roles = set(roles)
    with transaction.atomic():
        partner, actor = _lock(by)
        target = _locked_target(partner, user)
        access.can_change_user(actor, target).enforce()
        if seen and seen != edit_version(target):
            raise RuleViolation(
                f"Someone changed {target} while you were editing. Open the page again to see "
                "the changes, then make yours."
            )
        if roles != set(target.roles):
            _check_grantable(actor, roles, target.roles)
            access.can_set_roles(actor, target, roles).enforce()
        if email != target.email and _email_taken(email, exclude_pk=target.pk):
            raise RuleViolation(EMAIL_TAKEN, field="email")
        old, new = {}, {}
        for field, value in (("full_name", full_name.strip()), ("email", email)):
            if getattr(target, field) != value:
                old[field], new[field] = getattr(target, field), value
                setattr(target, field, value)
        roles_changed = roles != set(target.roles)
        if roles_changed:
            old["roles"], new["roles"] = _role_labels(target.roles), _role_labels(roles)
        if not old:
            return False
        if {"full_name", "email"} & set(new):
            try:
                with transaction.atomic():
                    target.save(update_fields=["full_name", "email"])
            except IntegrityError as exc:
                raise RuleViolation(EMAIL_TAKEN, field="email") from exc
        if roles_changed:
            target.groups.set(RoleGroupLookup(partner).groups(roles))
        action = Action.ROLES_CHANGED if set(new) == {"roles"} else Action.USER_UPDATED
        record(action, actor=actor, target=target, old=old, new=new)
    return True


def deactivate_user(*, by: User, user: User) -> None:
    _set_active(by, user, active=False)


def reactivate_user(*, by: User, user: User) -> None:
    _set_active(by, user, active=True)


def _set_active(by: User, user: User, *, active: bool) -> None:
    """Deactivating ends the user's sessions at once: the sign-in backend refuses inactive users."""
    if operators.is_operator(by):
        refused = set_active_as_operator(by=by, users=[user], active=active).refused
        if refused:
            raise RuleViolation(refused[0].reason)
        return
    check = access.can_reactivate if active else access.can_deactivate
    with transaction.atomic():
        partner, actor = _lock(by)
        target = _locked_target(partner, user)
        check(actor, target).enforce()
        target.is_active = active
        target.save(update_fields=["is_active"])
        record(
            Action.USER_REACTIVATED if active else Action.USER_DEACTIVATED,
            actor=actor,
            target=target,
            old={"active": not active},
            new={"active": active},
        )


@dataclass(frozen=True)
class Refusal:
    user: User
    reason: str


@dataclass(frozen=True)
class ActiveSet:
    changed: list[User]
    refused: list[Refusal]


def set_active_as_operator(*, by: User, users, active: bool) -> ActiveSet:
    """A platform operator (the Django admin) deactivates or reactivates users of any partners:
    their partners are locked, then the users, in one transaction; each user in turn meets the
    rules of `operators` (of several Global admins chosen, the partner's last stays active);
    each user changed gets one activity entry, in their partner's log."""
    pks = sorted({user.pk for user in users})
    with transaction.atomic():
        partner_ids = sorted(
            set(User.objects.filter(pk__in=pks).values_list("partner_id", flat=True)) - {None}
        )
        list(
            Partner.objects.select_for_update(no_key=True)
            .filter(pk__in=partner_ids)
            .order_by("pk")
            .values_list("pk")
        )
        actor = User.objects.get(pk=by.pk)
        operators.require(actor, operators.ACTIVATE_USERS)
        list(
            User.objects.select_for_update(no_key=True)
            .filter(pk__in=pks)
            .order_by("pk")
            .values_list("pk")
        )
        targets = User.objects.filter(pk__in=pks).select_related("partner").with_roles()
        global_admins = dict(
            User.objects.filter(partner_id__in=partner_ids, is_active=True)
            .holding(Role.GLOBAL_ADMIN)
            .values("partner_id")
            .annotate(count=models.Count("pk", distinct=True))
            .values_list("partner_id", "count")
        )
        changed, refused = [], []
        for target in targets.order_by("email"):
            is_global_admin = target.is_active and target.has_role(Role.GLOBAL_ADMIN)
            if active:
                check = operators.can_reactivate(actor, target)
            else:
                others = global_admins.get(target.partner_id, 0) - is_global_admin
                check = operators.can_deactivate(actor, target, other_global_admins=others)
            if not check:
                refused.append(Refusal(target, check.reason))
                continue
            if is_global_admin:
                global_admins[target.partner_id] -= 1
            target.is_active = active
            changed.append(target)
            record(
                Action.USER_REACTIVATED if active else Action.USER_DEACTIVATED,
                actor=actor,
                partner=target.partner,
                target=target,
                old={"active": not active},
                new={"active": active},
            )
        User.objects.filter(pk__in=[user.pk for user in changed]).update(is_active=active)
    return ActiveSet(changed, refused)


def reset_password(*, by: User, user: User, delivery: AccessDelivery) -> AccessGiven:
    """The old password stops working at once, which also ends the user's sessions."""
    with transaction.atomic():
        partner, actor = _lock(by)
        target = _locked_target(partner, user)
        access.can_reset_password(actor, target).enforce()
        password = give_access(target, AccessDelivery(delivery))
        target.save(update_fields=["password", "must_change_password"])
        email_link_after_commit(target, delivery)
        record(
            Action.PASSWORD_RESET,
            actor=actor,
            target=target,
            new={"access": AccessDelivery(delivery).label},
        )
    return AccessGiven(target, password)


def change_own_password(*, user: User, new_password: str) -> None:
    _set_own_password(user, new_password, Action.PASSWORD_CHANGED)


def set_password_from_link(*, user: User, new_password: str) -> None:
    _set_own_password(user, new_password, Action.PASSWORD_SET_FROM_LINK)


def _set_own_password(user: User, new_password: str, action: Action) -> None:
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        record(action, actor=user, target=user)


class RoleGroupLookup:
    """The auth groups that stand for roles within one partner."""

    def __init__(self, partner: Partner):
        self._by_role = dict(
            RoleGroup.objects.filter(partner=partner).values_list("role", "group_id")
        )

    def groups(self, roles) -> list[int]:
        missing = [role for role in roles if role not in self._by_role]
        if missing:
            raise RuntimeError(f"Partner role groups are missing for {missing}; run migrate.")
        return [self._by_role[role] for role in roles]

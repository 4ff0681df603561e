"""Who reads which part of the activity log."""

from __future__ import annotations

from django.db.models import QuerySet

from multichannel.access.base import has, require
from multichannel.models import AuditEntry
from multichannel.models.audit import Category
from multichannel.roles import Perm

USER_MANAGEMENT_CATEGORIES = (Category.USERS, Category.AUTH)


def activity_for(viewer) -> QuerySet[AuditEntry]:
    """Global admins see all of the partner's entries; User management admins the entries about
    accounts (user management, sign-ins and passwords)."""
    require(viewer, Perm.VIEW_ACTIVITY)
    entries = AuditEntry.objects.filter(partner_id=viewer.partner_id)
    if not has(viewer, Perm.VIEW_ALL_ACTIVITY):
        entries = entries.filter(category__in=USER_MANAGEMENT_CATEGORIES)
    return entries


def activity_entries_about(viewer, target) -> QuerySet[AuditEntry]:
    """The history of one object as the viewer's partner recorded it. A partner sees the history
    of the objects it may see, whatever its role's view of the activity log."""
    return AuditEntry.objects.filter(
        partner_id=viewer.partner_id,
        target_type=target._meta.model_name,
        target_id=str(getattr(target, "uuid", target.pk)),
    )


def activity_categories_for(viewer) -> list[Category]:
    if has(viewer, Perm.VIEW_ALL_ACTIVITY):
        return list(Category)
    return [c for c in Category if c in USER_MANAGEMENT_CATEGORIES]

"""Who sees and follows support requests."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _missing, _permission_id, has, require
from multichannel.models import SupportRequest, SupportStatus, SupportUserObjectPermission, User
from multichannel.models.support import TRANSITIONS
from multichannel.roles import Perm, roles_granting


def support_for(viewer) -> QuerySet[SupportRequest]:
    """Global admins see all of the partner's requests; Sales agents those they filed or are
    assigned (object permissions granted to the filer and the assignee)."""
    require(viewer, Perm.VIEW_SUPPORT)
    requests = SupportRequest.objects.filter(partner_id=viewer.partner_id)
    if has(viewer, Perm.VIEW_ALL_SUPPORT):
        return requests
    granted = SupportUserObjectPermission.objects.filter(
        user_id=viewer.pk, permission_id=_permission_id("view_supportrequest")
    ).values("content_object_id")
    return requests.filter(pk__in=granted)


def get_support_for(viewer, request_uuid) -> SupportRequest:
    return get_object_or_404(
        support_for(viewer).select_related("customer", "subscription", "created_by", "assigned_to"),
        uuid=request_uuid,
    )


def can_follow_support(viewer, support: SupportRequest) -> Check:
    """Add notes, change the status, assign: whoever may see the request and follows support."""
    if not has(viewer, Perm.FOLLOW_SUPPORT):
        return _missing(Perm.FOLLOW_SUPPORT)
    return ALLOWED


def can_set_support_status(viewer, support: SupportRequest, status: str) -> Check:
    check = can_follow_support(viewer, support)
    if not check:
        return check
    if status not in TRANSITIONS[SupportStatus(support.status)]:
        return Check(
            False,
            f"It is {support.get_status_display().lower()}; it cannot become "
            f"{SupportStatus(status).label.lower()}.",
        )
    return ALLOWED


def support_assignees(viewer) -> QuerySet[User]:
    """Colleagues a request can be assigned to: active users of the partner who follow support."""
    return (
        User.objects.filter(partner_id=viewer.partner_id, is_active=True)
        .filter(groups__role_group__role__in=roles_granting(Perm.FOLLOW_SUPPORT))
        .distinct()
        .order_by("full_name")
    )

"""Which customers a partner sees ("view") and manages ("change": an active reseller
relationship), through object permissions (django-guardian) held by the partner's groups."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from multichannel.access.base import ALLOWED, Check, _granted_customers, _missing, has, require
from multichannel.models import Customer
from multichannel.roles import Perm


def customers_for(viewer) -> QuerySet[Customer]:
    require(viewer, Perm.VIEW_CUSTOMERS)
    return Customer.objects.filter(pk__in=_granted_customers(viewer, "view"))


def managed_customers_for(viewer) -> QuerySet[Customer]:
    """Customers with whom the viewer's partner has an active reseller relationship."""
    require(viewer, Perm.VIEW_CUSTOMERS)
    return Customer.objects.filter(pk__in=_granted_customers(viewer, "change"))


def get_customer_for(viewer, customer_uuid) -> Customer:
    return get_object_or_404(customers_for(viewer), uuid=customer_uuid)


def manages_customer(viewer, customer: Customer) -> bool:
    return managed_customers_for(viewer).filter(pk=customer.pk).exists()


def can_add_customer(viewer) -> Check:
    return ALLOWED if has(viewer, Perm.ADD_CUSTOMERS) else _missing(Perm.ADD_CUSTOMERS)

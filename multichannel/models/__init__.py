from multichannel.models.audit import Action, AuditEntry, Outcome
from multichannel.models.customers import (
    BillingType,
    Channel,
    CommerceType,
    Customer,
    CustomerGroupObjectPermission,
    CustomerUserObjectPermission,
    Relationship,
    RelationshipStatus,
    Source,
    Subscription,
    SubscriptionStatus,
    Term,
)
from multichannel.models.partners import Cloud, Partner, RoleGroup
from multichannel.models.requests import RelationshipRequest, RequestStatus
from multichannel.models.users import User

__all__ = [
    "Action",
    "AuditEntry",
    "BillingType",
    "Channel",
    "Cloud",
    "CommerceType",
    "Customer",
    "CustomerGroupObjectPermission",
    "CustomerUserObjectPermission",
    "Outcome",
    "Partner",
    "Relationship",
    "RelationshipRequest",
    "RelationshipStatus",
    "RequestStatus",
    "RoleGroup",
    "Source",
    "Subscription",
    "SubscriptionStatus",
    "Term",
    "User",
]

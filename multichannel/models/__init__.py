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
from multichannel.models.moves import (
    AzureOnboarding,
    AzureService,
    MoveStatus,
    OnboardingStatus,
    OnboardingStep,
    PlannedMove,
    ServiceDisposition,
)
from multichannel.models.partners import Cloud, Partner, RoleGroup
from multichannel.models.requests import RelationshipRequest, RequestStatus
from multichannel.models.users import User

__all__ = [
    "Action",
    "AuditEntry",
    "AzureOnboarding",
    "AzureService",
    "BillingType",
    "Channel",
    "Cloud",
    "CommerceType",
    "Customer",
    "CustomerGroupObjectPermission",
    "CustomerUserObjectPermission",
    "MoveStatus",
    "OnboardingStatus",
    "OnboardingStep",
    "Outcome",
    "Partner",
    "PlannedMove",
    "Relationship",
    "RelationshipRequest",
    "RelationshipStatus",
    "RequestStatus",
    "RoleGroup",
    "ServiceDisposition",
    "Source",
    "Subscription",
    "SubscriptionStatus",
    "Term",
    "User",
]

from multichannel.models.audit import Action, AuditEntry, Outcome
from multichannel.models.partners import Cloud, Partner, RoleGroup
from multichannel.models.users import User

__all__ = ["Action", "AuditEntry", "Cloud", "Outcome", "Partner", "RoleGroup", "User"]

import uuid

from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django_countries.fields import CountryField

from multichannel.roles import Role


class Cloud(models.TextChoices):
    COMMERCIAL = "commercial", "Commercial"
    US_GOVERNMENT = "us_government", "US Government"


partner_id_validator = RegexValidator(r"^[0-9]{6,7}$", "A partner ID is 6 or 7 digits.")


class Partner(models.Model):
    """An organisation using the portal. Partners never see each other's data."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    partner_id = models.CharField(
        "partner ID", max_length=7, unique=True, validators=[partner_id_validator]
    )
    country = CountryField()
    cloud = models.CharField(max_length=20, choices=Cloud.choices, default=Cloud.COMMERCIAL)
    # New partners require it; partners that existed before it was offered keep signing in as
    # they did until a Global admin turns it on (migration 0014).
    require_mfa = models.BooleanField(
        "require multi-factor sign-in",
        default=True,
        help_text="Every user signs in with an authenticator app code after the password.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partner_id__regex=r"^[0-9]{6,7}$"),
                name="partner_id_is_6_or_7_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(cloud__in=Cloud.values), name="partner_cloud_is_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner_id})"

    def role_group(self, role: Role) -> Group:
        return self.role_groups.select_related("group").get(role=role).group


class RoleGroup(models.Model):
    """One auth group per role per partner; its permissions come from `roles.ROLE_PERMISSIONS`."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role_group")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=32, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "role"], name="one_group_per_role_per_partner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner.name}: {self.get_role_display()}"

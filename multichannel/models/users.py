import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from multichannel.models.partners import RoleGroup
from multichannel.roles import Role
from multichannel.urlutils import object_url


class UserQuerySet(models.QuerySet):
    def with_roles(self):
        """Prefetch the role groups so that `user.roles` costs no query per row."""

        return self.prefetch_related(
            models.Prefetch("groups", queryset=Group.objects.select_related("role_group"))
        )

    def holding(self, role: Role):
        return self.filter(groups__role_group__role=role)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        # Emails are stored lowercase. An exact match on the lowercased input, as the sign-in
        # lockout counts it: PostgreSQL's case-insensitive match also folds a dotless i to "I".
        return self.get(email=username.strip().lower())


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A partner employee, signing in with a work email. Superusers use the Django admin."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("work email", unique=True)
    full_name = models.CharField(max_length=150)
    partner = models.ForeignKey(
        "multichannel.Partner",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        help_text="Every portal user belongs to one partner; only superusers may have none.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="May sign in to the Django admin."
    )
    must_change_password = models.BooleanField(default=False)
    # Raised to end every session of the user at once without touching the password (an admin
    # resetting their multi-factor sign-in): see `_get_session_auth_hash`.
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        permissions = [
            ("manage_global_admins", "Grant or revoke Global admin; act on a Global admin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partner__isnull=False) | models.Q(is_superuser=True),
                name="user_has_partner_unless_superuser",
            ),
            models.CheckConstraint(
                condition=models.Q(email=models.functions.Lower("email")),
                name="user_email_is_lowercase",
            ),
        ]
        indexes = [models.Index(fields=["partner", "is_active"], name="user_partner_active")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_absolute_url(self) -> str:
        return object_url("users:detail", self.uuid)

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").lower()
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        """Django ends a session whose stored hash no longer matches: changing the password
        does that, and so does raising `session_generation` (0 keeps Django's own hash)."""
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            f"{self.password}\x1f{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The roles this user holds, from their partner's role groups."""
        if self.pk is None:
            return frozenset()
        if "groups" in getattr(self, "_prefetched_objects_cache", {}):  # see with_roles()
            return frozenset(
                Role(group.role_group.role)
                for group in self.groups.all()
                if hasattr(group, "role_group") and group.role_group.partner_id == self.partner_id
            )
        # One query for plain values: every signed-in page asks for the user's roles.
        return frozenset(
            Role(role)
            for role in RoleGroup.objects.filter(
                group__user=self, partner_id=self.partner_id
            ).values_list("role", flat=True)
        )

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def role_labels(self) -> list[str]:
        return [role.label for role in Role if role in self.roles]

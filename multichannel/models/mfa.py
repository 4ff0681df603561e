"""Multi-factor sign-in: recovery codes, a django-otp device of our own.

The authenticator app is django-otp's `TOTPDevice` (its hex key in the database, codes accepted
one time step either side, a code never accepted twice). Recovery codes are not django-otp's
`StaticDevice`, whose tokens are stored as they are typed: each code here is stored as its
SHA-256 digest only, compared in constant time, and used at most once.
"""

import hashlib
import hmac

from django.db import models
from django.utils import timezone
from django_otp.models import Device


def recovery_code_digest(code: str) -> str:
    """The stored form of a recovery code: what the user types, without spaces or dashes and
    in lower case, hashed. Codes are random (60 bits), so a fast hash is enough."""
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


class RecoveryCodeDevice(Device):
    """A user's set of single-use recovery codes (at most one set: a new set replaces it)."""

    created_at = models.DateTimeField(default=timezone.now)  # type: ignore[var-annotated]

    class Meta(Device.Meta):
        verbose_name = "recovery code set"

    def unused(self) -> models.QuerySet["RecoveryCode"]:
        return self.codes.filter(used_at__isnull=True)

    def verify_token(self, token: object) -> bool:
        """Accept an unused code and spend it. Every unused code is compared, in constant time,
        so how long it takes says nothing about which code came close. Call it inside a
        transaction with the device locked (django-otp's `verify_token` does)."""
        digest = recovery_code_digest(str(token or ""))
        match = None
        for code in self.unused().select_for_update():
            if hmac.compare_digest(code.digest, digest) and match is None:
                match = code
        if match is None:
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)  # SHA-256 of the code, never the code
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.device.user}"

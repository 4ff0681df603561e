"""Password hashing: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

Django's default Argon2 parameters take 100 MiB per hash, which every sign-in would add to a
web worker's peak memory. Hashes made with other parameters still verify, and are re-hashed
with these at the next sign-in."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PortalArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19_456  # KiB
    parallelism = 1

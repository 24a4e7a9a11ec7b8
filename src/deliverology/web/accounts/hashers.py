"""How passwords are hashed: Argon2id at the cost OWASP recommends, not Django's heavier one."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with 19 MiB of memory, two passes and one lane: OWASP's recommended
    configuration (Password Storage Cheat Sheet). Django's default (100 MiB, eight lanes) takes
    about 0.7 s of a two-core server's CPU a login; this takes about 0.1 s, so a burst of
    logins does not stall every page. Hashes made with other costs still verify, and are
    re-made with these at the next login."""

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1

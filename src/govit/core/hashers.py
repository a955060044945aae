"""Password hashing with PBKDF2-HMAC-SM3 (GB/T 39786 password storage), via `cryptography`."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    """Django hasher `pbkdf2_sm3`: same format as `pbkdf2_sha256`, SM3 as the PRF.

    The iteration count comes from settings.GOVIT_PBKDF2_SM3_ITERATIONS; hashes made with another
    count are upgraded on the next successful login (Django's must_update).
    """

    algorithm = "pbkdf2_sm3"
    digest = None  # the PRF is SM3 through cryptography, not hashlib
    DERIVED_KEY_BYTES = 32

    @property
    def iterations(self) -> int:  # type: ignore[override]
        return int(getattr(settings, "GOVIT_PBKDF2_SM3_ITERATIONS", 600_000))

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        self._check_encode_args(password, salt)
        iterations = iterations or self.iterations
        kdf = PBKDF2HMAC(
            algorithm=hashes.SM3(),
            length=self.DERIVED_KEY_BYTES,
            salt=salt.encode("utf-8"),
            iterations=iterations,
        )
        derived = base64.b64encode(kdf.derive(password.encode("utf-8"))).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${derived}"

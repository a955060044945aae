"""National-standard cryptography (SM3 digests, HMAC-SM3, SM4-GCM) via the `cryptography` package.

Keys never live in the database. They come from the environment or a key file:
- `GOVIT_SM4_KEY`: 32 hex characters (16 bytes), the SM4 data-encryption key;
- `GOVIT_AUDIT_KEY`: hex (at least 32 characters), the HMAC key of the audit chain;
- otherwise both are derived (HKDF-SM3) from the master secret in `GOVIT_KEY_FILE`
  (default `var/keys/govit.key`), which dev and test settings create on first use with 0600 perms.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SM4_KEY_BYTES = 16
GCM_NONCE_BYTES = 12
GCM_TAG_BYTES = 16
MASTER_SECRET_BYTES = 32
# Version byte in front of every ciphertext so the format or key can change later.
_CIPHERTEXT_VERSION = b"\x01"
_TEXT_PREFIX = "sm4gcm1:"


class KeyConfigurationError(RuntimeError):
    """The key material is missing or malformed."""


class DecryptionError(ValueError):
    """The ciphertext was tampered with, truncated, or encrypted under another key."""


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def sm3_hex(data: bytes | str) -> str:
    """SM3 digest (GB/T 32905) of `data` as 64 lowercase hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(_as_bytes(data))
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes | str) -> str:
    """HMAC-SM3 of `data` under `key`, as 64 lowercase hex characters."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(_as_bytes(data))
    return mac.finalize().hex()


def hkdf_sm3(secret: bytes, *, info: bytes, length: int) -> bytes:
    """Derive a sub-key from `secret` with HKDF over SM3."""
    return HKDF(algorithm=hashes.SM3(), length=length, salt=None, info=info).derive(secret)


def _settings_value(name: str, default: object) -> object:
    from django.conf import settings

    if not settings.configured:
        return default
    return getattr(settings, name, default)


def key_file_path() -> Path:
    env = os.environ.get("GOVIT_KEY_FILE")
    if env:
        return Path(env)
    configured = _settings_value("GOVIT_KEY_FILE", None)
    if configured:
        return Path(str(configured))
    return Path.cwd() / "var" / "keys" / "govit.key"


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(MASTER_SECRET_BYTES) + "\n")


@cache
def _master_secret(path: Path) -> bytes:
    if not path.exists():
        if not _settings_value("GOVIT_KEY_FILE_AUTOCREATE", False):
            raise KeyConfigurationError(
                f"Key file {path} does not exist. Create it with 64 hex characters, e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))' > KEYFILE; chmod 600 KEYFILE`, "
                "or set GOVIT_SM4_KEY and GOVIT_AUDIT_KEY."
            )
        try:
            _create_key_file(path)
        except FileExistsError:
            pass  # another process created it first
    try:
        secret = bytes.fromhex(path.read_text().strip())
    except ValueError as exc:
        raise KeyConfigurationError(f"Key file {path} must contain hex characters only.") from exc
    if len(secret) < MASTER_SECRET_BYTES:
        raise KeyConfigurationError(f"Key file {path} must hold at least {MASTER_SECRET_BYTES} bytes (hex).")
    return secret


def master_secret() -> bytes:
    """The master secret from the key file (created on first use where settings allow it)."""
    return _master_secret(key_file_path())


def _hex_env(name: str, *, min_bytes: int, exact: bool = False) -> bytes | None:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        key = bytes.fromhex(value.strip())
    except ValueError as exc:
        raise KeyConfigurationError(f"{name} must be hex encoded.") from exc
    if (exact and len(key) != min_bytes) or len(key) < min_bytes:
        raise KeyConfigurationError(f"{name} must be {'exactly' if exact else 'at least'} {min_bytes} bytes (hex).")
    return key


def sm4_key() -> bytes:
    """The 16-byte SM4 data key: `GOVIT_SM4_KEY` or derived from the key file."""
    return _hex_env("GOVIT_SM4_KEY", min_bytes=SM4_KEY_BYTES, exact=True) or hkdf_sm3(
        master_secret(), info=b"govit/sm4-data-key/v1", length=SM4_KEY_BYTES
    )


def audit_key() -> bytes:
    """The HMAC key of the audit chain: `GOVIT_AUDIT_KEY` or derived from the key file."""
    return _hex_env("GOVIT_AUDIT_KEY", min_bytes=16) or hkdf_sm3(
        master_secret(), info=b"govit/audit-chain-key/v1", length=32
    )


def encrypt(plaintext: bytes | str, *, associated_data: bytes = b"", key: bytes | None = None) -> bytes:
    """SM4-GCM encrypt; returns version byte + nonce + ciphertext + tag.

    Bind the ciphertext to its context with `associated_data` (e.g. b"expert.phone:42") so a value
    copied into another row fails to decrypt.
    """
    nonce = os.urandom(GCM_NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key or sm4_key()), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    body = encryptor.update(_as_bytes(plaintext)) + encryptor.finalize()
    return _CIPHERTEXT_VERSION + nonce + body + encryptor.tag


def decrypt(blob: bytes, *, associated_data: bytes = b"", key: bytes | None = None) -> bytes:
    """Reverse `encrypt`; raises DecryptionError on any tampering or wrong key."""
    minimum = 1 + GCM_NONCE_BYTES + GCM_TAG_BYTES
    if len(blob) < minimum or blob[:1] != _CIPHERTEXT_VERSION:
        raise DecryptionError("Unknown ciphertext format.")
    nonce = blob[1 : 1 + GCM_NONCE_BYTES]
    body, tag = blob[1 + GCM_NONCE_BYTES : -GCM_TAG_BYTES], blob[-GCM_TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key or sm4_key()), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError("Ciphertext failed authentication.") from exc


def encrypt_text(text: str, *, associated_data: bytes = b"") -> str:
    """Encrypt a string into an ASCII token suitable for a CharField/TextField."""
    blob = encrypt(text, associated_data=associated_data)
    return _TEXT_PREFIX + base64.urlsafe_b64encode(blob).decode("ascii")


def decrypt_text(token: str, *, associated_data: bytes = b"") -> str:
    """Reverse `encrypt_text`."""
    if not token.startswith(_TEXT_PREFIX):
        raise DecryptionError("Unknown ciphertext format.")
    try:
        blob = base64.urlsafe_b64decode(token[len(_TEXT_PREFIX) :].encode("ascii"))
    except ValueError as exc:
        raise DecryptionError("Ciphertext is not valid base64.") from exc
    return decrypt(blob, associated_data=associated_data).decode("utf-8")

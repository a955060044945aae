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


def hmac_sm3_factory(key: bytes) -> hmac.HMAC:
    """A keyed HMAC-SM3 to `.copy()` per message: the key schedule is done once for many messages."""
    return hmac.HMAC(key, hashes.SM3())


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
    key_dir = os.environ.get("GOVIT_KEY_DIR") or _settings_value("GOVIT_KEY_DIR", None)
    if key_dir:
        return Path(str(key_dir)) / "govit.key"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "govit" / "keys" / "govit.key"


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


# --- key ring: versioned SM4 keys, so encrypted fields can be re-encrypted (`govit keys rotate`) ---
#
# The ring comes from, in order:
# - `GOVIT_SM4_KEYS`: "id:hex32,id:hex32,…", oldest first; the last entry is the current key;
# - the key-ring file `GOVIT_SM4_KEYRING_FILE` (default: `sm4-keyring` beside the key file), one
#   "id:hex32" per line, oldest first, appended by `govit keys add`;
# - otherwise a single key with id "k0": `sm4_key()` (GOVIT_SM4_KEY or derived from the key file).
# "k0" stays decryptable whenever `sm4_key()` is available, so values written before a ring existed
# keep working. Key ids are short ASCII names ([A-Za-z0-9_-], at most 16 characters).

_RING_TEXT_PREFIX = "sm4gcm2:"
_LEGACY_KEY_ID = "k0"


def sm4_keyring_path() -> Path:
    env = os.environ.get("GOVIT_SM4_KEYRING_FILE")
    if env:
        return Path(env)
    configured = _settings_value("GOVIT_SM4_KEYRING_FILE", None)
    if configured:
        return Path(str(configured))
    return key_file_path().with_name("sm4-keyring")


def _valid_key_id(key_id: str) -> bool:
    return 0 < len(key_id) <= 16 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in key_id)


def _parse_ring_entries(entries: list[str], *, source: str) -> list[tuple[str, bytes]]:
    ring: list[tuple[str, bytes]] = []
    for entry in entries:
        key_id, _, hex_key = entry.strip().partition(":")
        if not _valid_key_id(key_id):
            raise KeyConfigurationError(f"{source}: key id {key_id!r} must be 1-16 characters of [A-Za-z0-9_-].")
        try:
            key = bytes.fromhex(hex_key.strip())
        except ValueError as exc:
            raise KeyConfigurationError(f"{source}: key {key_id!r} must be hex encoded.") from exc
        if len(key) != SM4_KEY_BYTES:
            raise KeyConfigurationError(f"{source}: key {key_id!r} must be exactly {SM4_KEY_BYTES} bytes (hex).")
        if any(existing == key_id for existing, _ in ring):
            raise KeyConfigurationError(f"{source}: key id {key_id!r} appears twice.")
        ring.append((key_id, key))
    return ring


def sm4_keyring() -> list[tuple[str, bytes]]:
    """The SM4 keys as (key id, key), oldest first; the last one encrypts new values."""
    env = os.environ.get("GOVIT_SM4_KEYS", "").strip()
    if env:
        ring = _parse_ring_entries([e for e in env.split(",") if e.strip()], source="GOVIT_SM4_KEYS")
    else:
        path = sm4_keyring_path()
        lines = path.read_text().splitlines() if path.exists() else []
        ring = _parse_ring_entries([ln for ln in lines if ln.strip() and not ln.startswith("#")], source=str(path))
    if not any(key_id == _LEGACY_KEY_ID for key_id, _ in ring):
        try:
            ring.insert(0, (_LEGACY_KEY_ID, sm4_key()))
        except KeyConfigurationError:
            if not ring:
                raise
    return ring


def current_sm4_key_id() -> str:
    """The id of the key that encrypts new values."""
    return sm4_keyring()[-1][0]


def sm4_keyring_add() -> str:
    """Append a fresh random key to the key-ring file (0600) and return its id."""
    if os.environ.get("GOVIT_SM4_KEYS", "").strip():
        raise KeyConfigurationError("GOVIT_SM4_KEYS is set: add the new key to the environment variable instead.")
    path = sm4_keyring_path()
    existing = {key_id for key_id, _ in sm4_keyring()}
    number = len(existing)
    while f"k{number}" in existing:
        number += 1
    key_id = f"k{number}"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(f"{key_id}:{secrets.token_hex(SM4_KEY_BYTES)}\n")
    return key_id


def encrypt_text_ring(text: str, *, associated_data: bytes = b"") -> str:
    """Encrypt under the current ring key: "sm4gcm2:<key id>:<base64>"."""
    key_id, key = sm4_keyring()[-1]
    blob = encrypt(text, associated_data=associated_data, key=key)
    return f"{_RING_TEXT_PREFIX}{key_id}:" + base64.urlsafe_b64encode(blob).decode("ascii")


def ciphertext_key_id(token: str) -> str:
    """The key id a token was encrypted under ("k0" for `encrypt_text` tokens)."""
    if token.startswith(_RING_TEXT_PREFIX):
        return token[len(_RING_TEXT_PREFIX) :].partition(":")[0]
    if token.startswith(_TEXT_PREFIX):
        return _LEGACY_KEY_ID
    raise DecryptionError("Unknown ciphertext format.")


def decrypt_text_ring(token: str, *, associated_data: bytes = b"") -> str:
    """Reverse `encrypt_text_ring` (and `encrypt_text`) with whichever ring key the token names."""
    key_id = ciphertext_key_id(token)
    keys = dict(sm4_keyring())
    if key_id not in keys:
        raise DecryptionError(f"Key {key_id!r} is not in the SM4 key ring.")
    body = token[len(_RING_TEXT_PREFIX) + len(key_id) + 1 :] if token.startswith(_RING_TEXT_PREFIX) else (
        token[len(_TEXT_PREFIX) :]
    )
    try:
        blob = base64.urlsafe_b64decode(body.encode("ascii"))
    except ValueError as exc:
        raise DecryptionError("Ciphertext is not valid base64.") from exc
    return decrypt(blob, associated_data=associated_data, key=keys[key_id]).decode("utf-8")


def blind_index_key() -> bytes:
    """HMAC key of blind indexes (equality search over encrypted values): `GOVIT_INDEX_KEY` or derived.

    Independent of the SM4 ring, so rotating data keys does not change any index.
    """
    return _hex_env("GOVIT_INDEX_KEY", min_bytes=16) or hkdf_sm3(
        master_secret(), info=b"govit/blind-index-key/v1", length=32
    )


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SM3 of `value` for `purpose` (e.g. "expert.id_number"): equal inputs give equal indexes."""
    return hmac_sm3(blind_index_key(), f"{purpose}\x00{value}")

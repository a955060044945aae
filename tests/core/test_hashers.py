"""PBKDF2-HMAC-SM3 password hashing."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password

from govit.core.hashers import PBKDF2SM3PasswordHasher


def test_default_hasher_is_pbkdf2_sm3() -> None:
    encoded = make_password("Govit@2026demo")
    assert encoded.startswith("pbkdf2_sm3$")
    assert isinstance(identify_hasher(encoded), PBKDF2SM3PasswordHasher)
    assert check_password("Govit@2026demo", encoded)
    assert not check_password("govit@2026demo", encoded)


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="hashlib has no SM3 here")
def test_matches_an_independent_pbkdf2_sm3() -> None:
    hasher = PBKDF2SM3PasswordHasher()
    encoded = hasher.encode("密码Pass1!", "saltsaltsalt", iterations=1000)
    expected = hashlib.pbkdf2_hmac("sm3", "密码Pass1!".encode(), b"saltsaltsalt", 1000, 32)
    import base64

    assert encoded == f"pbkdf2_sm3$1000$saltsaltsalt${base64.b64encode(expected).decode()}"


def test_old_sha256_hashes_still_verify_and_are_upgraded() -> None:
    old = get_hasher("pbkdf2_sha256").encode("Old@Passw0rd", "somesalt12345678")
    upgraded: list[str] = []
    assert check_password("Old@Passw0rd", old, setter=lambda raw: upgraded.append(make_password(raw)))
    assert upgraded and upgraded[0].startswith("pbkdf2_sm3$")


def test_iteration_count_follows_settings(settings) -> None:
    settings.GOVIT_PBKDF2_SM3_ITERATIONS = 1234
    assert make_password("x").split("$")[1] == "1234"
    assert get_hasher("pbkdf2_sm3").must_update(get_hasher("pbkdf2_sm3").encode("x", "s" * 16, 1000))

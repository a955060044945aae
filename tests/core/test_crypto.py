"""govit.core.crypto: SM3, HMAC-SM3, SM4-GCM and key handling."""

from __future__ import annotations

import hashlib
import hmac as std_hmac
import os
import stat
from pathlib import Path

import pytest

from govit.core import crypto

RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_CT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
RFC8998_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")


def test_sm3_standard_vectors() -> None:
    # GB/T 32905-2016 appendix A.
    assert crypto.sm3_hex("abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert crypto.sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="hashlib has no SM3 here")
def test_hmac_sm3_matches_an_independent_implementation() -> None:
    key, data = b"k" * 20, "审计日志".encode()
    expected = std_hmac.new(key, data, lambda: hashlib.new("sm3")).hexdigest()
    assert crypto.hmac_sm3(key, data) == expected
    assert crypto.hmac_sm3(key, "审计日志") == expected


def test_sm4_gcm_decrypts_rfc8998_vector() -> None:
    blob = b"\x01" + RFC8998_IV + RFC8998_CT + RFC8998_TAG
    assert crypto.decrypt(blob, associated_data=RFC8998_AAD, key=RFC8998_KEY) == RFC8998_PT


def test_sm4_gcm_round_trip_and_tamper_detection() -> None:
    blob = crypto.encrypt("13800138000", associated_data=b"expert.phone:1")
    assert crypto.decrypt(blob, associated_data=b"expert.phone:1") == b"13800138000"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, associated_data=b"expert.phone:2")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered, associated_data=b"expert.phone:1")
    assert crypto.encrypt("x") != crypto.encrypt("x")  # fresh nonce every time


def test_text_helpers_round_trip() -> None:
    token = crypto.encrypt_text("身份证号 110101199003071234")
    assert token.startswith("sm4gcm1:") and token.isascii()
    assert crypto.decrypt_text(token) == "身份证号 110101199003071234"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text("plain text")


def test_keys_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVIT_SM4_KEY", RFC8998_KEY.hex())
    monkeypatch.setenv("GOVIT_AUDIT_KEY", "ab" * 32)
    assert crypto.sm4_key() == RFC8998_KEY
    assert crypto.audit_key() == bytes.fromhex("ab" * 32)
    monkeypatch.setenv("GOVIT_SM4_KEY", "abcd")
    with pytest.raises(crypto.KeyConfigurationError):
        crypto.sm4_key()


def test_key_file_is_created_with_owner_only_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    key_file = tmp_path / "keys" / "govit.key"
    monkeypatch.setenv("GOVIT_KEY_FILE", str(key_file))
    monkeypatch.delenv("GOVIT_SM4_KEY", raising=False)
    settings.GOVIT_KEY_FILE_AUTOCREATE = True
    key = crypto.sm4_key()
    assert len(key) == 16
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert crypto.sm4_key() == key  # stable across calls
    assert crypto.audit_key() != key  # independent sub-keys


def test_missing_key_file_is_refused_when_autocreate_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    monkeypatch.setenv("GOVIT_KEY_FILE", str(tmp_path / "absent.key"))
    monkeypatch.delenv("GOVIT_SM4_KEY", raising=False)
    settings.GOVIT_KEY_FILE_AUTOCREATE = False
    with pytest.raises(crypto.KeyConfigurationError, match="does not exist"):
        crypto.sm4_key()

"""Sensitive fields at rest: no plaintext phone, ID or bank number in a dump or in raw SQL; key rotation."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from govit.core import crypto
from govit.core.models import AuditEntry
from govit.experts.models import DrawPurpose, Expert
from govit.experts.services import draw_commit, expert_update
from tests.experts.conftest import add_expert, lead, make_project

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER, BANK = "10000001234", "99999919800101123X", "000000000012345678"


def _secret_expert() -> Expert:
    from govit.experts.validation import id_check_character

    id_number = ID_NUMBER[:17] + id_check_character(ID_NUMBER[:17])
    expert = add_expert("tz", 1, categories=["legal"], name="保密测试专家")
    return expert_update(expert=expert, actor=lead("tz"), phone=PHONE, id_number=id_number, bank_account=BANK)


def _plaintexts(expert: Expert) -> list[str]:
    return [expert.decrypted("phone"), expert.decrypted("id_number"), expert.decrypted("bank_account")]


def test_dumpdata_and_raw_sql_hold_no_plaintext(world: None) -> None:
    expert = _secret_expert()
    secrets = _plaintexts(expert)
    assert secrets[0] == PHONE and secrets[2] == BANK
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    dump = out.getvalue()
    assert "保密测试专家" in dump  # the dump did include the expert
    for value in secrets:
        assert value not in dump
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM experts_expert")
        rows = " ".join(str(v) for row in cursor.fetchall() for v in row)
        cursor.execute("SELECT details FROM core_auditentry")
        audits = " ".join(str(v) for row in cursor.fetchall() for v in row)
    for value in secrets:
        assert value not in rows
        assert value not in audits
    assert expert.phone_enc.startswith("sm4gcm2:")


def test_ciphertext_is_bound_to_its_row(world: None) -> None:
    one = _secret_expert()
    other = add_expert("tz", 2, categories=["legal"])
    Expert.objects.filter(pk=other.pk).update(phone_enc=one.phone_enc)
    other.refresh_from_db()
    with pytest.raises(crypto.DecryptionError):
        other.decrypted("phone")


def test_duplicate_id_numbers_are_found_by_blind_index(world: None) -> None:
    from govit.projects.errors import InvalidInput

    expert = add_expert("tz", 3, categories=["legal"])
    assert expert.id_number_index and expert.decrypted("id_number") not in expert.id_number_index
    with pytest.raises(InvalidInput, match="重复"):
        add_expert("tz", 3, categories=["legal"], name="另一位")
    add_expert("bz", 3, categories=["legal"])  # another jurisdiction's library may hold the same person


def test_key_rotation_reencrypts_and_values_still_decrypt(world: None, monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: object) -> None:
    expert = _secret_expert()
    before = _plaintexts(expert)
    draw = draw_commit(project=make_project("tz"), actor=lead("tz"), purpose=DrawPurpose.CONSULTING,
                       requested={"legal": 1}, reserve_per_category=0)
    assert expert.key_id == "k0"
    monkeypatch.setenv("GOVIT_SM4_KEYS", "k1:" + os.urandom(16).hex())
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "重新加密 2 条" in out.getvalue()  # the expert and the sealed seed of the pending draw
    expert.refresh_from_db()
    draw.refresh_from_db()
    assert expert.key_id == "k1"
    assert all(getattr(expert, f"{f}_enc").startswith("sm4gcm2:k1:") for f in ("phone", "id_number", "bank_account"))
    assert crypto.ciphertext_key_id(draw.seed_sealed) == "k1"
    assert _plaintexts(expert) == before
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "重新加密 0 条" in out.getvalue()  # idempotent
    assert AuditEntry.objects.filter(action="keys.rotate").count() == 2


def test_keys_add_appends_to_the_keyring_file(world: None, settings: object, tmp_path: object,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVIT_SM4_KEYS", raising=False)
    ring = tmp_path / "sm4-keyring"  # type: ignore[operator]
    monkeypatch.setenv("GOVIT_SM4_KEYRING_FILE", str(ring))
    out = io.StringIO()
    call_command("keys", "add", stdout=out)
    assert ring.read_text().startswith("k1:")
    assert oct(ring.stat().st_mode & 0o777) == "0o600"
    assert crypto.current_sm4_key_id() == "k1"
    expert = add_expert("tz", 9, categories=["legal"])
    assert expert.key_id == "k1"
    call_command("keys", "status", stdout=out)
    assert "当前加密密钥：k1" in out.getvalue()

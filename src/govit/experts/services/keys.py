"""Key rotation: re-seal the experts' sensitive fields, draw seeds and import files under the current key."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from govit.core import crypto
from govit.core.keyrotation import RotationResult
from govit.core.services import audit_record
from govit.experts.models import (
    SENSITIVE_FIELDS,
    Draw,
    Expert,
    ImportJob,
)
from govit.experts.services.common import (
    seal,
)

# --- key rotation ----------------------------------------------------------------------------


def _reseal(model: Any, field: str, aad_of: Any, current: str) -> tuple[int, int]:
    """Re-encrypt one sealed text field of every row under the newest key: (rows checked, rows changed)."""
    checked = changed = 0
    for row in model.objects.select_for_update().exclude(**{field: ""}):
        checked += 1
        token = getattr(row, field)
        if crypto.ciphertext_key_id(token) == current:
            continue
        aad = aad_of(row).encode()
        setattr(row, field, crypto.encrypt_text_ring(crypto.decrypt_text_ring(token, associated_data=aad),
                                                     associated_data=aad))
        row.save(update_fields=[field])
        changed += 1
    return checked, changed


def rotate_expert_keys(*, actor_name: str = "govit keys rotate") -> RotationResult:
    """Re-encrypt every expert field, sealed draw seed and pending import file under the newest key."""
    current = crypto.current_sm4_key_id()
    checked = changed = 0
    with transaction.atomic():
        for expert in Expert.objects.select_for_update().order_by("pk"):
            checked += 1
            tokens = [getattr(expert, f"{name}_enc") for name in SENSITIVE_FIELDS]
            if expert.key_id == current and all(not t or crypto.ciphertext_key_id(t) == current for t in tokens):
                continue
            seal(expert, {name: expert.decrypted(name) for name in SENSITIVE_FIELDS})
            expert.save(update_fields=[*(f"{n}_enc" for n in SENSITIVE_FIELDS), "key_id", "id_number_index"])
            changed += 1
        for model, field, aad_of in (
            (Draw, "seed_sealed", lambda draw: f"govit.draw.seed:{draw.seed_commitment}"),
            (ImportJob, "file_sealed", lambda job: f"govit.import:{job.pk}"),
        ):
            seen, resealed = _reseal(model, field, aad_of, current)
            checked += seen
            changed += resealed
        audit_record(actor=None, actor_name=actor_name, action="keys.rotate",
                     details={"scope": "experts", "key_id": current, "checked": checked, "reencrypted": changed})
    return RotationResult(name="专家库", checked=checked, reencrypted=changed)



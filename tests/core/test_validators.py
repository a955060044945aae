"""The 等保 password complexity policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from govit.core.demo import DEMO_PASSWORD


def test_demo_password_meets_policy() -> None:
    validate_password(DEMO_PASSWORD)


@pytest.mark.parametrize("weak", ["short1!", "alllowercaseletters", "ALLUPPER12345", "12345678901"])
def test_weak_passwords_are_refused_in_chinese(weak: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_password(weak)
    assert any("密码" in m for m in excinfo.value.messages)

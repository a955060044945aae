"""Password policy: 等保 complexity (default) or length only; history; maximum age with a forced change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from govit.core.models import PasswordHistory, User

pytestmark = pytest.mark.usefixtures("demo_data")


def _messages(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1!", "至少需要 8 个字符"),
        ("abcdefgh1", "3 类"),
        ("Password1", "过于常见"),
    ],
)
def test_dengbao_policy_refuses_in_chinese(password: str, expected: str) -> None:
    assert any(expected in m for m in _messages(password)), _messages(password)


def test_password_must_not_contain_the_username() -> None:
    user = User.objects.get(username="tz_applicant")
    assert any("不能包含用户名" in m for m in _messages("Xtz_Applicant9!", user))


def test_last_five_passwords_cannot_be_reused() -> None:
    user = User.objects.create(username="history_user")
    passwords = [f"Zq{i}#history-pass" for i in range(6)]
    for password in passwords:
        assert _messages(password, user) == []
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in passwords[1:]:
        assert any("最近 5 次" in m for m in _messages(recent, user)), recent
    assert _messages(passwords[0], user) == []  # the sixth-last is allowed again


def test_length_policy_needs_only_length(settings) -> None:
    settings.GOVIT_PASSWORD_POLICY = "length"
    assert _messages("correct horse battery") == []
    assert any("至少需要 12 个字符" in m for m in _messages("abcdefgh"))
    settings.GOVIT_PASSWORD_MIN_LENGTH = 16
    assert any("至少需要 16 个字符" in m for m in _messages("correct horse"))


def test_expired_password_forces_the_change_page(settings, demo_password: str) -> None:
    settings.GOVIT_PASSWORD_MAX_AGE_DAYS = 90
    user = User.objects.get(username="bz_applicant")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client = Client()
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url == reverse("accounts:password-change")
    assert client.get("/api/v1/me").status_code == 403
    page = client.get(response.url).content.decode()
    assert "密码已超过有效期" in page
    weak = client.post(reverse("accounts:password-change"),
                       {"old_password": demo_password, "new_password1": "short", "new_password2": "short"})
    assert "至少需要 8 个字符" in weak.content.decode()
    new = "Nw#2027-change"
    done = client.post(reverse("accounts:password-change"),
                       {"old_password": demo_password, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    user.refresh_from_db()
    assert user.password_changed_at > timezone.now() - timedelta(minutes=1)


def test_length_policy_does_not_age_passwords(settings) -> None:
    settings.GOVIT_PASSWORD_POLICY = "length"
    user = User.objects.get(username="bz_expert")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=400))
    client = Client()
    client.force_login(user)
    assert client.get(reverse("web:home")).status_code == 200


@pytest.mark.parametrize("password", ["Admin@123", "Passw0rd!", "P@ssw0rd2024", "Tongzhou2024!", "2025Beijing@",
                                      "Kundulun@2024", "1qaz@WSX", "Qwer1234!", "Woaini@1314", "Zhengwu#2026"])
def test_common_and_patterned_passwords_are_refused(password: str) -> None:
    """等保 8.1.4.1 a): each has 8+ characters and three classes, yet is a first guess of any attacker."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    with pytest.raises(DjangoValidationError) as refused:
        validate_password(password)
    assert any(e.code in ("password_patterned", "password_too_common") for e in refused.value.error_list)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in refused.value.messages)


@pytest.mark.parametrize("password", ["Zx7#mK2p!q", "Gv9$Ltq3wR", "霜降-Kx82!vq"])
def test_strong_passwords_still_pass(password: str) -> None:
    from django.contrib.auth.password_validation import validate_password

    validate_password(password)


def test_the_weak_list_is_a_real_vendored_file() -> None:
    from govit.core.validators import WEAK_PASSWORDS_FILE, weak_cores

    vendored = [line for line in WEAK_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")]
    assert len(vendored) > 150 and {"admin", "password", "tongzhou", "beijing", "qazwsx"} <= set(vendored)
    assert len(weak_cores()) > 5000  # with Django's common-password list

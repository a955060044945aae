"""Password policy validators (等保 default: 8+ characters, three of four character classes)."""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class ComplexityValidator:
    """Require `min_classes` of: uppercase, lowercase, digits, special characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def _classes(self, password: str) -> int:
        checks = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or (not c.isalnum() and not c.isspace()) for c in password),
        ]
        return sum(checks)

    def validate(self, password: str, user: object = None) -> None:
        if self._classes(password) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、特殊字符中的 {self.min_classes} 类，请重新设置。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、特殊字符中的 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length check with a Chinese message (Django 5.2's catalogue lacks this string)."""

    def get_error_message(self) -> str:
        return f"密码长度不足：至少需要 {self.min_length} 个字符，请重新设置。"

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


WEAK_PASSWORDS_FILE = Path(__file__).parent / "data" / "weak_passwords.txt"
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                       "@": "a", "$": "s", "!": "i", "|": "l", "+": "t"})
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_YEAR = re.compile(r"(19|20)\d\d")


@lru_cache(maxsize=1)
def weak_cores() -> frozenset[str]:
    """The vendored list (data/weak_passwords.txt) plus Django's 20 000 common passwords."""
    words = {line.strip().lower() for line in WEAK_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    common = password_validation.CommonPasswordValidator().passwords
    return frozenset(words | {w for w in common if w.isalpha() and len(w) >= 4})


def password_cores(password: str) -> set[str]:
    """What is left of a password once the usual decoration is taken off: the letters between leading
    and trailing digits/symbols (de-leeted: 0→o, @→a, 1→i …), with or without a year inside."""
    lower = password.lower()
    cores = set()
    stripped = _DECORATION.sub("", lower)
    for candidate in (stripped, _YEAR.sub("", stripped)):
        cores.add(candidate)
        cores.add(candidate.translate(_LEET))
    cores.add(re.sub(r"[^a-z]", "", lower))
    cores.add(re.sub(r"[^a-z]", "", lower.translate(_LEET)))
    return {c for c in cores if c}


class PatternedPasswordValidator:
    """Refuse a weak word, a keyboard walk or a place name dressed up with digits and symbols:
    `Admin@123`, `Passw0rd!`, `Tongzhou2024!`, `1qaz@WSX`. They pass the three-classes rule and are
    the first guesses of every attacker (等保 8.1.4.1 a：鉴别信息具有复杂度要求)."""

    def validate(self, password: str, user: object = None) -> None:
        weak = weak_cores()
        found = next((core for core in sorted(password_cores(password)) if core in weak), None)
        if found is not None:
            raise ValidationError(
                "该密码由常见单词、键盘序列或地名加数字、符号组成（例如 Admin@123、Passw0rd!、地名加年份），"
                "容易被猜中，请重新设置。", code="password_patterned")

    def get_help_text(self) -> str:
        return "密码不能是常见单词、键盘序列或地名加数字、符号。"


# --- the configurable policy (GOVIT_PASSWORD_POLICY = "dengbao" | "length") ---------------------

POLICY_DENGBAO = "dengbao"
POLICY_LENGTH = "length"


def password_policy() -> str:
    from django.conf import settings

    policy = getattr(settings, "GOVIT_PASSWORD_POLICY", POLICY_DENGBAO)
    if policy not in (POLICY_DENGBAO, POLICY_LENGTH):
        raise ValueError(f"GOVIT_PASSWORD_POLICY must be {POLICY_DENGBAO!r} or {POLICY_LENGTH!r}, not {policy!r}.")
    return policy


def password_min_length() -> int:
    from django.conf import settings

    configured = getattr(settings, "GOVIT_PASSWORD_MIN_LENGTH", None)
    if configured:
        return int(configured)
    return 8 if password_policy() == POLICY_DENGBAO else 12


def password_history_size() -> int:
    from django.conf import settings

    return int(getattr(settings, "GOVIT_PASSWORD_HISTORY", 5))


def password_max_age_days() -> int:
    """Days after which a password must be changed (0: never). Only the 等保 policy ages passwords."""
    from django.conf import settings

    if password_policy() != POLICY_DENGBAO:
        return 0
    return int(getattr(settings, "GOVIT_PASSWORD_MAX_AGE_DAYS", 90))


class UsernameNotInPasswordValidator:
    """The password must not contain the username (case-insensitive)."""

    def validate(self, password: str, user: object = None) -> None:
        username = str(getattr(user, "username", "") or "")
        if len(username) >= 3 and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名，请重新设置。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能包含用户名。"


class PasswordHistoryValidator:
    """The password must differ from the user's last `GOVIT_PASSWORD_HISTORY` passwords."""

    def validate(self, password: str, user: object = None) -> None:
        from django.contrib.auth.hashers import check_password

        from govit.core.models import PasswordHistory

        if user is None or not getattr(user, "pk", None):
            return
        size = password_history_size()
        previous = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[:size])
        current = getattr(user, "password", "")
        if current and current not in previous:
            previous.append(current)
        if any(check_password(password, encoded) for encoded in previous if encoded):
            raise ValidationError(
                f"新密码不能与最近 {size} 次使用过的密码相同，请重新设置。", code="password_reused"
            )

    def get_help_text(self) -> str:
        return f"新密码不能与最近 {password_history_size()} 次使用过的密码相同。"


class PasswordPolicyValidator:
    """The one entry in AUTH_PASSWORD_VALIDATORS; applies the policy chosen by GOVIT_PASSWORD_POLICY.

    - "dengbao" (default, 等保 2.0 三级 身份鉴别): at least 8 characters, three of the four classes,
      not containing the username, not a common password, not one of the last 5 passwords, and a
      maximum age (GOVIT_PASSWORD_MAX_AGE_DAYS, enforced by PasswordExpiryMiddleware);
    - "length": length only (default 12 characters), for sites whose policy prefers passphrases.

    Read at call time, so `override_settings` works and the policy can change without a restart of
    the validator cache. It also records each new password in the history (password_changed).
    """

    def _validators(self) -> list[object]:
        length = MinimumLengthValidator(min_length=password_min_length())
        if password_policy() == POLICY_LENGTH:
            return [length]
        return [
            length,
            ComplexityValidator(min_classes=3),
            UsernameNotInPasswordValidator(),
            password_validation.CommonPasswordValidator(),
            PatternedPasswordValidator(),
            PasswordHistoryValidator(),
        ]

    def validate(self, password: str, user: object = None) -> None:
        errors: list[ValidationError] = []
        for validator in self._validators():
            try:
                validator.validate(password, user)  # type: ignore[attr-defined]
            except ValidationError as exc:
                if getattr(exc, "code", "") == "password_too_common":
                    exc = ValidationError("该密码过于常见，容易被猜中，请重新设置。", code="password_too_common")
                errors.append(exc)
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return " ".join(v.get_help_text() for v in self._validators())  # type: ignore[attr-defined]

    def password_changed(self, password: str, user: object = None) -> None:
        from django.utils import timezone

        from govit.core.models import PasswordHistory, User

        if not isinstance(user, User) or not user.pk or not user.password:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: password_history_size()])
        PasswordHistory.objects.filter(user=user).exclude(pk__in=keep).delete()
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        user.password_changed_at = timezone.now()

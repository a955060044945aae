"""Password policy validators (等保 default: 8+ characters, three of four character classes)."""

from __future__ import annotations

import string

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

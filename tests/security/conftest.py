"""Fixtures for the security tests."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from govit.core import otp
from govit.core.models import User


@pytest.fixture
def otp_on(settings) -> None:
    """Enforce the TOTP step (the test settings skip it for the older force_login-based suite)."""
    settings.GOVIT_DEMO_SKIP_OTP = False


def password_login(client: Client, username: str, password: str):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def enter_demo_code(client: Client, username: str, next_url: str = ""):
    device = otp.confirmed_device(User.objects.get(username=username))
    assert device is not None, f"{username} has no TOTP device"
    return client.post(reverse("accounts:otp-verify"), {"token": otp.current_code(device), "next": next_url})

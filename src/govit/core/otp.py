"""TOTP second factor (django-otp `otp_totp`): who needs it, enrolment, QR code, reset, demo devices.

- `GOVIT_OTP_REQUIRED_ROLES` (default: the three administrators and the lead office) must verify a
  TOTP code after the password on every sign-in; users without a device are sent to enrolment.
- Everyone else may enrol on their profile page; once they have a confirmed device they are
  asked for the code too.
- `GOVIT_DEMO_SKIP_OTP` switches the second step off. Dev-only (the test settings use it so the
  older suite can `force_login`); production settings refuse to start with it.
- Demo users of the mandatory roles get a device with the public demo secret `DEMO_TOTP_SECRET`;
  `govit otp code <username>` prints the current code of such a device (and refuses any other).
"""

from __future__ import annotations

import base64
import io
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from govit.core.models import AuditOutcome, Role, RoleAssignment, User

DEFAULT_REQUIRED_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.LEAD_OFFICE)
# Public on purpose (README): lets a newcomer sign in as a demo lead office or administrator.
DEMO_TOTP_SECRET = "GOVITDEMOGOVITDEMOGOVITDEMOGOVIT"  # noqa: S105 (public, demo data only)  # nosec B105
DEMO_DEVICE_NAME = "演示动态口令"
DEVICE_NAME = "动态口令"


def otp_required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "GOVIT_OTP_REQUIRED_ROLES", DEFAULT_REQUIRED_ROLES))


def otp_skipped() -> bool:
    return bool(getattr(settings, "GOVIT_DEMO_SKIP_OTP", False))


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def otp_mandatory_for(user: User) -> bool:
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    return bool(roles & otp_required_roles())


def otp_needed(user: Any) -> bool:
    """Whether this signed-in user must present a TOTP code before using the system."""
    if otp_skipped() or not getattr(user, "is_authenticated", False):
        return False
    return otp_mandatory_for(user) or confirmed_device(user) is not None


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def provisioning_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_svg_data_uri(text: str) -> str:
    """An inline `data:image/svg+xml;base64,…` QR code (no external service; CSP img-src data:)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def start_enrolment(user: User) -> TOTPDevice:
    """The user's unconfirmed device (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def confirm_enrolment(*, user: User, device: TOTPDevice, token: str, source_ip: str | None = None) -> bool:
    from govit.core.services import audit_record

    ok = device.user_id == user.pk and device.verify_token(token.strip())
    with transaction.atomic():
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit_record(actor=user, action="otp.enrol", obj=user, source_ip=source_ip,
                     outcome=AuditOutcome.SUCCESS if ok else AuditOutcome.FAILURE)
    return ok


def otp_reset(*, user: User, actor: User | None, source_ip: str | None = None) -> int:
    """Remove a user's TOTP devices (lost phone). Only a security administrator of a jurisdiction
    where the user holds a role, or the system (actor=None, the `govit otp reset` command)."""
    from govit.core.services import RoleAssignmentRefused, audit_record

    if actor is not None:
        shared = RoleAssignment.objects.filter(user=user).values("jurisdiction_id")
        allowed = RoleAssignment.objects.filter(
            user=actor, role=Role.SECURITY_ADMIN, jurisdiction_id__in=shared
        ).exists()
        if not allowed or actor.pk == user.pk:
            audit_record(actor=actor, action="otp.reset", obj=user, source_ip=source_ip,
                         outcome=AuditOutcome.DENIED, details={"user": user.get_username()})
            raise RoleAssignmentRefused("只有该用户所在行政区域的安全管理员可以重置其动态口令（不能重置自己的）。")
    with transaction.atomic():
        count, _ = TOTPDevice.objects.filter(user=user).delete()
        audit_record(actor=actor, action="otp.reset", obj=user, source_ip=source_ip,
                     details={"user": user.get_username(), "devices_removed": count},
                     actor_name=None if actor else "命令行")
    return count


def ensure_demo_totp_device(user: User) -> TOTPDevice:
    """Demo only: a confirmed device with the public demo secret (idempotent)."""
    key_hex = base64.b32decode(DEMO_TOTP_SECRET).hex()
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key_hex, confirmed=True)
    return device


def is_demo_device(device: TOTPDevice) -> bool:
    return device.key == base64.b32decode(DEMO_TOTP_SECRET).hex()


def current_code(device: TOTPDevice) -> str:
    """The code a TOTP app would show now for `device` (used for demo devices and tests)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"

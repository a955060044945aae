"""Object-level permissions, generated over every URL pattern and every API operation.

Every path parameter is filled with an object of the 通州区 (320612) demo world, owned by the demo
applicant's unit; every demo role of the *other* jurisdictions, plus an applicant of another 通州
unit, then calls it with GET and with the unsafe methods. Each must get 403 or 404: never a 2xx,
never a redirect that performs the action, never a 500.

Endpoints added later are covered automatically. A path parameter this file does not know fails
the test with a message: register it in OBJECTS (an object id in the victim's scope) or VALUES
(a fixed non-object value) below.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

from govit.core.models import Role, RoleAssignment, Unit, User
from govit.core.services import role_assign

VICTIM = "320612"  # 南通市通州区
VICTIM_UNIT = "区民政局"  # tz_applicant's unit
OUTSIDER_PREFIXES = ("kdl", "bz", "cj")
ALLOWED = {403, 404}

# Parameters that are not objects of a scope.
VALUES: dict[str, str] = {
    "slug": "submit",
    "action": "submit",
    "role": "lead_office",
    "fmt": "csv",
}
# Public reference data (policy packs are regulations, readable by every signed-in user).
PUBLIC_PARAMS = {"pack_id"}
# Whole patterns that are global by design, with the reason (docs/security.md).
GLOBAL_PATTERNS = {
    "accounts:audit-export": "审计日志为全平台一份，由审计管理员统一查阅（三员分立）",
    # Other jurisdictions get 404 (tests/notifications/test_notices.py); its withdraw/restore are tested here.
    "notifications:notice": "通知公告向本辖区全部项目建设单位发布，同辖区其他单位本应可见",
}
NEIGHBOUR = "tz_other_unit_applicant"
SKIP_NAMESPACES = {"admin": "Django admin: staff only, tested in test_django_admin_is_staff_only"}


def _victim_token() -> Any:
    from govit.core.models import ApiToken
    from govit.core.services import api_token_create

    owner = User.objects.get(username="tz_applicant")
    return ApiToken.objects.filter(user=owner).first() or api_token_create(user=owner, name="对接", actor=None)[0]


def _victim_objects() -> dict[str, Callable[[], Any]]:
    from govit.experts.models import Draw, DrawMember, Expert, ImportJob
    from govit.integrations.models import WebhookDelivery, WebhookSubscription
    from govit.notifications.models import Notice, Notification
    from govit.planning.models import AnnualPlan
    from govit.projects.models import AcceptanceExtension, ChangeRequest, Material, Project
    from govit.reviews.models import OpinionTask

    def project() -> Any:
        mine = Project.objects.filter(jurisdiction__code=VICTIM, unit__name=VICTIM_UNIT).order_by("pk")
        return mine.filter(materials__isnull=False).first() or mine.first()

    def supervision(model: str) -> Any:
        from govit.supervision import models as sup

        if model == "order":
            return sup.RectificationOrder.objects.filter(project__jurisdiction__code=VICTIM).first()
        return sup.UnitSanction.objects.filter(unit__jurisdiction__code=VICTIM).first()

    def analysis(model: str) -> Any:
        from govit.analysis import models as an

        if model == "finding":
            return an.Finding.objects.filter(jurisdiction__code=VICTIM, project__unit__name=VICTIM_UNIT).first() \
                or an.Finding.objects.filter(jurisdiction__code=VICTIM).first()
        if model == "system":
            return an.ExistingSystem.objects.filter(jurisdiction__code=VICTIM).first()
        return an.InventoryImportJob.objects.filter(jurisdiction__code=VICTIM).first()

    return {
        "project_id": project,
        "pk": project,
        "material_id": lambda: Material.objects.filter(project=project()).first(),
        "change_id": lambda: ChangeRequest.objects.filter(project__jurisdiction__code=VICTIM).first(),
        "extension_id": lambda: AcceptanceExtension.objects.filter(project__jurisdiction__code=VICTIM).first(),
        "task_id": lambda: OpinionTask.objects.filter(project__jurisdiction__code=VICTIM).first(),
        "plan_id": lambda: AnnualPlan.objects.filter(jurisdiction__code=VICTIM).first(),
        "notification_id": lambda: Notification.objects.filter(user__username="tz_applicant").first(),
        "expert_id": lambda: Expert.objects.filter(jurisdiction__code=VICTIM).first(),
        "job_id": lambda: ImportJob.objects.filter(jurisdiction__code=VICTIM).first(),
        "draw_id": lambda: Draw.objects.filter(project__jurisdiction__code=VICTIM).first(),
        "member_id": lambda: DrawMember.objects.filter(draw__project__jurisdiction__code=VICTIM).first(),
        "order_id": lambda: supervision("order"),
        "sanction_id": lambda: supervision("sanction"),
        "assignment_id": lambda: RoleAssignment.objects.filter(user__username="tz_applicant").first(),
        "finding_id": lambda: analysis("finding"),
        "system_id": lambda: analysis("system"),
        "import_id": lambda: analysis("import"),
        "user_id": lambda: User.objects.get(username="tz_applicant"),
        "notice_id": lambda: Notice.objects.filter(jurisdiction__code=VICTIM).first(),
        "token_id": lambda: _victim_token(),
        "webhook_id": lambda: WebhookSubscription.objects.filter(jurisdiction__code=VICTIM).first(),
        "delivery_id": lambda: WebhookDelivery.objects.filter(subscription__jurisdiction__code=VICTIM).first(),
    }


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> dict[str, Any]:
    """The full demo (every app's loader) once for the module, plus what the demo lacks."""
    from django.conf import settings

    from govit.core.models import Jurisdiction
    from govit.experts.models import ImportJob

    saved_media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock():
        call_command("demo", stdout=io.StringIO())
        tz = Jurisdiction.objects.get(code=VICTIM)
        if not ImportJob.objects.filter(jurisdiction=tz).exists():
            ImportJob.objects.create(jurisdiction=tz, file_name="experts.xlsx",
                                     created_by=User.objects.get(username="tz_lead_office"))
        from govit.projects.models import ChangeRequest, Project

        if not ChangeRequest.objects.filter(project__jurisdiction=tz).exists():
            project = Project.objects.filter(jurisdiction=tz, unit__name=VICTIM_UNIT).order_by("pk").first()
            ChangeRequest.objects.create(project=project, change={"increase_wan": 1}, description="测试",
                                         route=ChangeRequest._meta.get_field("route").choices[0][0],
                                         status="pending", requested_by=User.objects.get(username="tz_applicant"))
        from datetime import date, timedelta

        from govit.projects.models import AcceptanceExtension
        from govit.supervision.models import RectificationOrder, UnitSanction

        if not AcceptanceExtension.objects.filter(project__jurisdiction=tz).exists():
            project = Project.objects.filter(jurisdiction=tz, unit__name=VICTIM_UNIT).order_by("pk").first()
            AcceptanceExtension.objects.create(project=project, reason="测试", requested_until=date.today(),
                                               deadline=date.today(),
                                               requested_by=User.objects.get(username="tz_applicant"))

        lead = User.objects.get(username="tz_lead_office")
        victim_project = Project.objects.filter(jurisdiction=tz, unit__name=VICTIM_UNIT).order_by("pk").first()
        if not RectificationOrder.objects.filter(project__jurisdiction=tz).exists():
            issuer = Unit.objects.get(jurisdiction=tz, name="区区域社会治理现代化指挥中心")
            RectificationOrder.objects.create(
                project=victim_project, issuer_unit=issuer,
                issued_by=lead, issued_on=date.today(), citation={"article": 1}, problem="测试",
                deadline=date.today() + timedelta(days=30))
        if not UnitSanction.objects.filter(unit__jurisdiction=tz).exists():
            UnitSanction.objects.create(
                unit=victim_project.unit, kind=UnitSanction._meta.get_field("kind").choices[0][0],
                source=UnitSanction._meta.get_field("source").choices[0][0], pack_id="tongzhou-2023",
                citation={"article": 1}, consequence="测试", lifting_condition="测试", recorded_by=lead)
        from govit.integrations import webhooks
        from govit.integrations.models import OutboundEvent, WebhookDelivery, WebhookSubscription

        if not WebhookSubscription.objects.filter(jurisdiction=tz).exists():
            hook = WebhookSubscription.objects.create(
                jurisdiction=tz, name="测试接收系统", url="https://oa.example.gov.cn/hook",
                secret_sealed=webhooks.seal(webhooks.new_secret()), created_by=lead)
            WebhookDelivery.objects.create(subscription=hook, event=OutboundEvent.objects.filter(jurisdiction=tz)
                                           .first(), status="failed")
        from govit.analysis.models import InventoryImportJob

        if not InventoryImportJob.objects.filter(jurisdiction=tz).exists():
            InventoryImportJob.objects.create(jurisdiction=tz, file_name="inventory.xlsx", created_by=lead)
        other_unit = Unit.objects.get(jurisdiction=tz, name="区教育体育局")
        neighbour, _ = User.objects.get_or_create(username=NEIGHBOUR)
        role_assign(user=neighbour, role=Role.APPLICANT, jurisdiction=tz, unit=other_unit, actor=None)
        ids = {}
        for name, find in _victim_objects().items():
            obj = find()
            ids[name] = obj.pk if obj is not None else None
    yield ids
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = saved_media


def _outsiders() -> list[str]:
    roles = list(Role.values)
    users = [f"{OUTSIDER_PREFIXES[i % 3]}_{role}" for i, role in enumerate(roles)]
    users += [f"{OUTSIDER_PREFIXES[(i + 1) % 3]}_{role}" for i, role in enumerate(roles)]
    return [*users, NEIGHBOUR]


def _value(param: str, ids: dict[str, Any], where: str) -> str:
    if param in VALUES:
        return VALUES[param]
    if param in PUBLIC_PARAMS:
        return "tongzhou-2023"
    if param not in ids:
        pytest.fail(
            f"{where}: unknown path parameter {{{param}}}. Register it in tests/security/"
            "test_object_permissions.py: OBJECTS (_victim_objects: an object of 通州区 owned by 区民政局) "
            "or VALUES (a fixed non-object value)."
        )
    if ids[param] is None:
        pytest.fail(f"{where}: no demo object for {{{param}}} in 通州区; extend the demo data or the world fixture.")
    return str(ids[param])


# --- the web URL patterns ----------------------------------------------------------------------


def _web_patterns() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace or "") if x) if p.namespace else namespace
                if ns.split(":")[0] in SKIP_NAMESPACES or ns.startswith("api-"):
                    continue
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                params = list(p.pattern.converters) if hasattr(p.pattern, "converters") else []
                params = params or list(p.pattern.regex.groupindex)
                if params:
                    found.append((f"{namespace}:{p.name}" if namespace else p.name, params))

    walk(get_resolver().url_patterns, "")
    return sorted(set((n, tuple(ps)) for n, ps in found))  # type: ignore[misc]


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.django_db
def test_every_web_object_url_refuses_outsiders(world: dict[str, Any]) -> None:
    patterns = _web_patterns()
    assert len(patterns) >= 20, patterns
    clients = {u: _signed_in(u) for u in _outsiders()}
    failures = []
    checked = 0
    for name, params in patterns:
        if name in GLOBAL_PATTERNS or set(params) <= PUBLIC_PARAMS:
            continue
        if all(p in VALUES for p in params) and name != "web:home-role":
            continue  # no object in the URL: scoping of lists is tested per app
        path = reverse(name, kwargs={p: _value(p, world, name) for p in params})
        for username, client in clients.items():
            for method in ("get", "post"):
                status = getattr(client, method)(path).status_code
                checked += 1
                if status == 405:
                    continue  # method not offered: nothing about the object is revealed
                if name == "web:home-role" and username.endswith("lead_office"):
                    continue  # their own lead-office workspace
                if status not in ALLOWED:
                    failures.append((username, method.upper(), path, status))
    assert not failures, f"{len(failures)} of {checked} requests were not refused: {failures[:30]}"


# --- the API operations (OpenAPI) ---------------------------------------------------------------


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _example(schema: dict, node: dict, depth: int = 0) -> Any:
    """A minimal value valid for `node` (required properties only)."""
    node = _resolve(schema, node)
    if depth > 6:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(schema, o).get("type") != "null"] or node[key]
            return _example(schema, options[0], depth + 1)
    if "enum" in node:
        return node["enum"][0]
    if "default" in node:
        return node["default"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {k: _example(schema, props[k], depth + 1) for k in node.get("required", []) if k in props}
    if kind == "array":
        return [] if not node.get("minItems") else [_example(schema, node.get("items", {}), depth + 1)]
    if kind == "integer":
        return max(int(node.get("minimum", 1)), 1)
    if kind == "number":
        return max(float(node.get("minimum", 1)), 1.0)
    if kind == "boolean":
        return False
    if node.get("format") == "date":
        return "2026-01-01"
    if node.get("format") == "binary":
        return "FILE"
    return "x" * max(int(node.get("minLength", 1)), 1)


def _api_call(client: Client, schema: dict, method: str, path: str, operation: dict) -> int:
    if method == "get":
        return client.get(path).status_code
    body = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in body:
        from govit.projects.demo import sample_docx

        form = _example(schema, body["multipart/form-data"]["schema"]) or {}
        data = {k: (SimpleUploadedFile("a.docx", sample_docx()) if v == "FILE" else v) for k, v in form.items()}
        return client.post(path, data=data).status_code
    payload = _example(schema, body["application/json"]["schema"]) if "application/json" in body else {}
    return getattr(client, method)(path, data=json.dumps(payload), content_type="application/json").status_code


@pytest.mark.django_db
def test_every_api_object_operation_refuses_outsiders(world: dict[str, Any]) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        if "{" in path
        for method, op in ops.items()
    ]
    assert len(operations) >= 40
    clients = {u: _signed_in(u) for u in _outsiders()}
    failures, checked = [], 0
    for template, method, op in operations:
        params = re.findall(r"{(\w+)}", template)
        if set(params) <= PUBLIC_PARAMS:
            continue
        path = template
        for p in params:
            path = path.replace(f"{{{p}}}", _value(p, world, f"{method.upper()} {template}"))
        for username, client in clients.items():
            status = _api_call(client, schema, method, path, op)
            checked += 1
            if status not in ALLOWED:
                failures.append((username, method.upper(), path, status))
    assert not failures, f"{len(failures)} of {checked} API calls were not refused: {failures[:30]}"


@pytest.mark.django_db
def test_django_admin_is_staff_only(world: dict[str, Any]) -> None:
    for username in ("tz_lead_office", "tz_applicant", "tz_system_admin"):
        response = _signed_in(username).get("/admin/core/user/")
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response.url.startswith("/admin/login/")

"""Every page, as every 通州 demo role: strict CSP header and no inline script or style in the HTML."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from govit.core.models import Role, User

from .test_object_permissions import PUBLIC_PARAMS, VALUES, _value, _web_patterns, world  # noqa: F401

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.I)
EVENT_ATTR = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


def _all_urls(ids: dict[str, Any]) -> list[str]:
    from django.urls import get_resolver

    urls = []
    for name, params in _web_patterns():
        urls.append(reverse(name, kwargs={p: VALUES.get(p) or _value(p, ids, name) for p in params}))
    # Patterns without parameters.
    from django.urls.resolvers import URLPattern, URLResolver

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("admin",) or (p.namespace or "").startswith("api-"):
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and not p.pattern.converters:
                if not getattr(p.pattern, "regex", None) or not p.pattern.regex.groupindex:
                    urls.append(reverse(f"{namespace}:{p.name}" if namespace else p.name))

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls) - {reverse("web:logout")})


@pytest.mark.django_db
def test_every_page_has_a_strict_csp_and_no_inline_code(world: dict[str, Any]) -> None:  # noqa: F811
    urls = _all_urls(world)
    assert len(urls) >= 40
    problems: list[str] = []
    pages = 0
    for role in Role.values:
        client = Client()
        client.force_login(User.objects.get(username=f"tz_{role}"))
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                problems.append(f"{role} {url}: {response.status_code}")
                continue
            csp = response.get("Content-Security-Policy", "")
            if "script-src 'self'" not in csp or "unsafe-inline" in csp or "frame-ancestors 'none'" not in csp:
                problems.append(f"{role} {url}: CSP header {csp!r}")
            if not response.get("Content-Type", "").startswith("text/html") or response.status_code != 200:
                continue
            pages += 1
            html = response.content.decode()
            for label, pattern in (("inline <script>", INLINE_SCRIPT), ("style= attribute", STYLE_ATTR),
                                   ("<style> block", STYLE_BLOCK), ("on*= handler", EVENT_ATTR),
                                   ("javascript: URL", JS_URL)):
                match = pattern.search(html)
                if match:
                    problems.append(f"{role} {url}: {label}: {match.group(0)[:80]}")
    assert pages >= 50, pages
    assert not problems, "\n".join(problems[:40])


@pytest.mark.django_db
def test_headers_on_the_login_page(client) -> None:
    response = client.get(reverse("web:login"))
    assert response["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self'; style-src 'self'")
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert 'name="htmx-config"' in response.content.decode()


@pytest.mark.django_db
def test_csrf_is_enforced_on_forms_and_session_api() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create(username="csrf_probe"))
    assert client.post(reverse("accounts:password-change"), {}).status_code == 403
    assert client.post("/api/v1/projects", "{}", content_type="application/json").status_code == 403
    assert PUBLIC_PARAMS  # keeps the shared import meaningful



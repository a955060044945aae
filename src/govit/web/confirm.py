"""Confirm-before-acting for destructive web actions, with and without JavaScript.

A view wrapped in `confirm_first(describe)` acts only on a POST that carries `confirmed=1`. Without it
the server answers with a confirmation page (web/confirm.html) that says what will happen and re-posts
the same fields. With JavaScript, a form marked `{% confirm_attrs confirmation %}` opens the page's
confirmation dialog instead and adds `confirmed=1` itself, so one round trip suffices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Confirmation:
    """What the person is asked: the question, what it will do (and whether it can be undone), the button."""

    title: str
    detail: str
    ok: str = "确认"


def _back(request: HttpRequest) -> str:
    target = request.META.get("HTTP_REFERER", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("web:home")


def confirm_first(describe: Callable[..., Confirmation | None]) -> Callable[[View], View]:
    """Wrap a POST view: unconfirmed requests get the confirmation page `describe(request, …)` words.

    `describe` returning None means nothing needs confirming (the view runs). Put this decorator
    inside the permission decorators so only people allowed to act are asked.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST" and request.POST.get("confirmed") != "1":
                confirmation = describe(request, *args, **kwargs)
                if confirmation is not None:
                    fields = [(name, value) for name, values in request.POST.lists() for value in values
                              if name not in ("csrfmiddlewaretoken", "confirmed")]
                    return render(request, "web/confirm.html",
                                  {"confirm": confirmation, "fields": fields, "back": _back(request)})
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

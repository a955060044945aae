"""Web pages for the policy packs: list, article browser, comparison matrix and the pre-check (预检)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from govit.policy import FactsError
from govit.regulations import selectors
from govit.regulations.evaluation import evaluate_all, evaluate_one, readable, what_if_rows
from govit.regulations.forms import PrecheckForm


def _as_of(request: HttpRequest) -> date:
    """`?as_of=YYYY-MM-DD` lets people look at the packs on another day; today otherwise."""
    try:
        return date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def pack_list(request: HttpRequest) -> HttpResponse:
    as_of = _as_of(request)
    return render(
        request,
        "regulations/pack_list.html",
        {"packs": selectors.pack_summaries(as_of=as_of), "as_of": as_of},
    )


@login_required
def pack_detail(request: HttpRequest, pack_id: str) -> HttpResponse:
    pack = selectors.pack_or_none(pack_id)
    if pack is None:
        raise Http404("未找到该政策包。")
    query = request.GET.get("q", "").strip()[:50]
    articles = selectors.pack_articles(pack, query=query)
    return render(
        request,
        "regulations/pack_detail.html",
        {
            "pack": selectors.pack_summary(pack, as_of=_as_of(request)),
            "chapters": selectors.chapters_of(articles),
            "query": query,
            "match_count": len(articles),
        },
    )


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    return render(request, "regulations/compare.html", selectors.comparison(as_of=_as_of(request)))


@login_required
def precheck(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    if request.method == "POST":
        form = PrecheckForm(request.POST)
        if form.is_valid():
            facts = form.to_input()
            try:
                context["result"] = readable(evaluate_one(facts))
                context["what_if"] = what_if_rows(evaluate_all(facts))
            except FactsError as exc:
                form.add_facts_errors(exc.fields)
    else:
        chosen = request.GET.get("pack")
        pack_id = chosen if chosen and selectors.pack_or_none(chosen) else selectors.default_pack_id_for(request.user)
        form = PrecheckForm(initial={"pack": pack_id, "as_of": timezone.localdate()})
    context["form"] = form
    if request.headers.get("HX-Request"):
        # Only the result panel is swapped; field errors travel out of band to their fields.
        return render(request, "regulations/_precheck_result.html", {**context, "oob": True})
    return render(request, "regulations/precheck.html", context)

"""Every pack in the packs folders (built-in and GOVIT_EXTRA_PACKS): schema, coverage, cases and a smoke test.

Packs are found, never listed: adding a folder adds its tests.
"""

from __future__ import annotations

import pytest

from govit.policy import evaluate
from govit.policy.coverage import coverage
from govit.policy.loader import load_pack, load_pack_folder, pack_folders
from govit.policy.testing import load_cases

from .conftest import EXTRA_PACKS

MIN_CASES = 25


def _folders() -> dict:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOVIT_EXTRA_PACKS", EXTRA_PACKS)
        return pack_folders()


FOLDERS = _folders()


def test_the_fixture_folders_add_packs():
    assert len(FOLDERS) > 4 and {"sample-2025", "xinqu-2025"} <= set(FOLDERS)


@pytest.mark.parametrize("pack_id", sorted(FOLDERS))
def test_schema_and_names(pack_id):
    pack = load_pack_folder(FOLDERS[pack_id])  # raises PackError on any schema or naming mistake
    assert sorted(pack.articles) == list(range(1, len(pack.articles) + 1))
    assert all(article["text"].strip() for article in pack.articles.values())
    assert not set(pack.missing_articles) & set(pack.articles)


@pytest.mark.parametrize("pack_id", sorted(FOLDERS))
def test_coverage_classifies_every_article(pack_id):
    rows = coverage(load_pack(pack_id))
    left = [row.number for row in rows if not row.classified]
    assert left == [], f"{pack_id}: articles not encoded, not explained or still 待编写: {left}"


@pytest.mark.parametrize("pack_id", sorted(FOLDERS))
def test_enough_cases_unless_the_text_is_incomplete(pack_id):
    pack = load_pack(pack_id)
    cases = load_cases(pack)
    assert all("cite" in case for case in cases)
    if pack.text_complete:
        assert len(cases) >= MIN_CASES, f"{pack_id}: {len(cases)} cases"
    else:
        assert cases, f"{pack_id}: an incomplete text still needs cases for what it has"


@pytest.mark.parametrize("pack_id", sorted(FOLDERS))
def test_smoke_every_finding_cites_an_article_of_the_pack(pack_id):
    pack = load_pack(pack_id)
    for facts in ({}, {"project": {"category": "new", "total_investment_wan": 120, "on_gov_cloud": False,
                                   "contains": ["machine_room"]}, "unit": {"unit_kind": "construction_department"}}):
        result = evaluate({"pack": pack_id, **facts}, as_of="2026-06-01")
        assert result["verdict"] in ("eligible", "blocked", "incomplete")
        assert result["pack"]["text_complete"] is pack.text_complete
        for finding in result["findings"]:
            assert finding["citation"]["article"] in pack.articles, finding
        if not pack.text_complete:
            assert any(f["rule"].endswith("/text/incomplete") for f in result["findings"])

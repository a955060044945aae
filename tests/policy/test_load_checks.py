"""Mistakes a pack author makes are refused when the pack loads, naming the pack, the place, the bad
name and the nearest valid one (a misspelt fact would otherwise load and never fire)."""

from __future__ import annotations

import json
import shutil

import pytest

from govit.policy.cli import main as policy_main
from govit.policy.loader import PACKS_DIR, PackError, clear_cache, load_pack_folder, pack_folders

# (text in tongzhou-2023's pack.yaml, the planted mistake, what the error must name)
PLANTED = [
    ("{fact: project.category, eq: operation}", "{fact: project.catgory, eq: operation}",
     ["project.catgory", "project.category", "规则"]),
    ("{fact: project.category, eq: operation}", "{fact: project.category, eq: operaton}",
     ["operaton", "operation"]),
    ("        value: approval\n", "        value: aproval\n", ["review_route", "aproval", "approval"]),
    ("documents: [proposal, feasibility_study, preliminary_design]",
     "documents: [proposal, feasability_study, preliminary_design]", ["feasability_study", "feasibility_study"]),
    ("derived.change_ratio", "derived.change_rat", ["derived.change_rat", "derived.change_ratio"]),
    ("  unit_may_apply:", "  unit_may_aply:", ["unit_may_aply", "unit_may_apply"]),
    ("stage: submitted", "stage: submited", ["submited", "submitted"]),
    ("by: approval_bureau", "by: approval_burau", ["approval_burau", "approval_bureau"]),
    ("is: true}", "iss: true}", ["iss", "运算符", "is"]),
    ("{article: 9}", "{article: 99}", ["99", "第1至41条"]),
]


def _planted(tmp_path, old: str, new: str):
    folder = tmp_path / "tongzhou-2023"
    shutil.copytree(PACKS_DIR / "tongzhou-2023", folder)
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    assert old in text, old
    (folder / "pack.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("old", "new", "named"), PLANTED, ids=[p[1][:30] for p in PLANTED])
def test_planted_mistake_is_refused_naming_it(tmp_path, old, new, named):
    folder = _planted(tmp_path, old, new)
    with pytest.raises(PackError) as raised:
        load_pack_folder(folder)
    message = str(raised.value)
    assert "tongzhou-2023" in message
    assert "is not valid under any of the given schemas" not in message
    for word in named:
        assert word in message, (word, message)


def test_a_misspelt_fact_names_the_rule_that_reads_it(tmp_path):
    folder = _planted(tmp_path, "{fact: project.category, eq: operation}", "{fact: project.catgory, eq: operation}")
    with pytest.raises(PackError) as raised:
        load_pack_folder(folder)
    rule = str(raised.value).split("规则 ")[1].split("：")[0]
    assert rule in {r["id"] for r in load_pack_folder(PACKS_DIR / "tongzhou-2023").data["rules"]}


def test_extra_pack_with_a_built_in_id_is_refused(tmp_path, monkeypatch):
    shutil.copytree(PACKS_DIR / "tongzhou-2023", tmp_path / "tongzhou-2023")
    monkeypatch.setenv("GOVIT_EXTRA_PACKS", str(tmp_path))
    clear_cache()
    with pytest.raises(PackError) as raised:
        pack_folders()
    assert "tongzhou-2023" in str(raised.value) and "内置" in str(raised.value)


def test_all_packs_still_answers_with_one_broken_extra_pack(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "packs" / "broken-2025"
    shutil.copytree(PACKS_DIR / "tongzhou-2023", broken)
    text = (broken / "pack.yaml").read_text(encoding="utf-8").replace("id: tongzhou-2023", "id: broken-2025")
    (broken / "pack.yaml").write_text(text.replace("derived.change_ratio", "derived.change_rat", 1), encoding="utf-8")
    monkeypatch.setenv("GOVIT_EXTRA_PACKS", str(tmp_path / "packs"))
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"project": {"total_investment_wan": 80, "category": "new"}}), encoding="utf-8")
    clear_cache()
    assert policy_main(["evaluate", str(facts), "--all-packs"]) == 0
    results = json.loads(capsys.readouterr().out)
    answered = {r["pack"]["id"] for r in results if "verdict" in r}
    assert {"tongzhou-2023", "bazhong-2022"} <= answered
    broken_entry = next(r for r in results if r["pack"]["id"] == "broken-2025")
    assert "derived.change_rat" in broken_entry["error"]


def test_a_pack_declared_fact_value_is_checked_in_the_input():
    from govit.policy import FactsError, parse_input

    with pytest.raises(FactsError) as raised:
        parse_input({"pack": "xinqu-2025", "project": {"in_zone_plan": "是"}})
    assert raised.value.fields[0][0] == "project.in_zone_plan"
    assert "true 或 false" in raised.value.errors[0]

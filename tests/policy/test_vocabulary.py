"""Each pack names its bodies and documents in its regulation's own words; the UI asks the pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from govit.policy import load_pack
from govit.policy.numerals import article_label, article_number
from govit.policy.vocabulary import GENERIC_BODIES, in_pack_words, pack_label, term


@pytest.mark.parametrize(("pack_id", "lead", "members"), [
    ("kundulun-2024", "区政数局", "有关部门"),  # 第三条 (责任单位：区政数局)
    ("changji-2025", "州数字化发展局", "联审成员单位"),  # 第十四条 聯合會審由州數字化發展局牽頭組織
    ("tongzhou-2023", "领导小组办公室", "成员单位"),  # 领导小组各成员单位按照职责分工
    ("bazhong-2022", "领导小组办公室", "有关部门（单位）"),  # 第六条, 第四十三条
])
def test_each_pack_names_its_lead_office_and_reviewers(pack_id: str, lead: str, members: str) -> None:
    assert term(pack_id, "lead_office") == lead
    assert term(pack_id, "member_reviewer") == members


def test_the_words_are_in_the_regulation_text() -> None:
    """Every body a pack names appears in its articles (simplified or traditional script)."""
    to_traditional = str.maketrans("数发动办联审员单门领导组处县属监设", "數發動辦聯審員單門領導組處縣屬監設")
    for pack_id in ("kundulun-2024", "changji-2025", "tongzhou-2023", "bazhong-2022"):
        pack = load_pack(pack_id)
        text = "".join(a["text"] for a in pack.data["articles"]).replace("(", "（").replace(")", "）")
        for key, word in pack.data["vocabulary"]["bodies"].items():
            assert word in text or word.translate(to_traditional) in text, (pack_id, key, word)


def test_kundulun_never_reads_lead_group_office() -> None:
    """昆都仑's text never says 领导小组办公室; a generic message reads 区政数局 there, unchanged in 巴中."""
    articles = "".join(a["text"] for a in load_pack("kundulun-2024").data["articles"])
    assert "领导小组办公室" not in articles
    message = "已提交申报，等待领导小组办公室受理。"
    assert in_pack_words(message, "kundulun-2024") == "已提交申报，等待区政数局受理。"
    plan = "只有本级领导小组办公室可以编制年度计划。"
    assert in_pack_words(plan, "changji-2025") == "只有州数字化发展局可以编制年度计划。"
    assert in_pack_words(message, "bazhong-2022") == message
    assert in_pack_words(message, None) == message


def test_tongzhou_names_its_acceptance_documents() -> None:
    """通州 第二十九条's materials: 等保备案证明 and 档案验收报告 (the platform's generic names differ)."""
    assert pack_label("tongzhou-2023", "archives_acceptance") == "档案验收报告"
    assert pack_label("tongzhou-2023", "mlps_filing_certificate") == "等保备案证明"
    assert pack_label("kundulun-2024", "archives_acceptance", "档案验收意见") == "档案验收意见"


def test_an_unknown_pack_falls_back_to_the_generic_word() -> None:
    assert term("no-such-pack", "lead_office") == GENERIC_BODIES["lead_office"]
    assert pack_label("no-such-pack", "project_class") == "project_class"


def test_a_custom_determination_reads_in_the_packs_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from govit.policy import vocabulary

    monkeypatch.setattr(vocabulary, "vocabulary", lambda pack_id: {
        "bodies": {}, "documents": {}, "labels": {"project_class": "项目类别", "construction": "建设类"}})
    assert pack_label("x", "project_class") == "项目类别"
    assert pack_label("x", "construction") == "建设类"
    # what a project page shows for a custom determination: never `project_class construction`
    assert vocabulary.determination_name("x", "project_class") == "项目类别"
    assert vocabulary.determination_text("x", "project_class", "construction") == "建设类"
    assert vocabulary.determination_text("x", "review_route", True) == "是"


@pytest.mark.parametrize(("query", "number"), [
    ("十四", 14), ("14", 14), ("第十四条", 14), ("第14条", 14), ("第十四條", 14), ("二十九", 29), ("第一百零三条", 103),
    ("监理", None), ("", None), ("第条", None), ("0", None),
])
def test_article_numbers_are_searchable_either_way(query: str, number: int | None) -> None:
    assert article_number(query) == number


def test_article_numbers_read_the_same_everywhere() -> None:
    assert article_label(14) == "第十四条" == article_label("14")
    assert article_label(20) == "第二十条" and article_label(10) == "第十条"

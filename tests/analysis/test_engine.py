"""The text engine without Django: lexicon, phrase matching, the score, the index against brute force."""

from __future__ import annotations

from decimal import Decimal

from govit.analysis.engine.detect import name_key, name_similarity, subject_of
from govit.analysis.engine.features import Phrase, extract
from govit.analysis.engine.index import Doc, Index, phrase_similarity
from govit.analysis.engine.lexicon import load_lexicon, split_list
from govit.analysis.engine.rules import SplitThreshold, pack_rules


def lex():
    return load_lexicon()


def doc(i: int, name: str, unit: int, functions: list[str], data: list[str] = (), content: str = "",
        kind: str = "system") -> Doc:
    return Doc(key=f"{kind}:{i}", kind=kind, ref=i, name=name, unit_id=unit, unit_name=f"单位{unit}",
               features=extract(lex(), name=name, content=content, functions=list(functions), data_items=list(data)),
               state="submitted" if kind == "project" else "")


def test_synonyms_in_the_lexicon_read_as_one_word() -> None:
    # The examples: 救助/帮扶, 平台/系统, 移动端/APP.
    assert lex().words("临时帮扶") == lex().words("临时救助")
    assert lex().phrase("移动端APP")[1] == lex().phrase("移动端")[1]
    assert lex().words("社会救助服务平台") == lex().words("社会救助管理系统")
    assert lex().phrase("公民身份号码")[0] == lex().phrase("身份证号码")[0]


def test_traditional_characters_are_read_as_simplified() -> None:
    assert lex().phrase("統一社會信用代碼")[0] == lex().phrase("统一社会信用代码")[0]


def test_generic_words_weigh_nothing() -> None:
    assert lex().phrase("系统管理")[1] == frozenset()
    assert lex().words("建设智慧管理平台") == []


def test_split_list_reads_the_separators_offices_use() -> None:
    assert split_list("低保审批、临时救助；特困供养;资金发放\n统计") == ["低保审批", "临时救助", "特困供养",
                                                                         "资金发放", "统计"]


def test_paraphrased_functions_match() -> None:
    a, b = Phrase.of(lex(), "最低生活保障审核"), Phrase.of(lex(), "低保申请审批")
    assert phrase_similarity(a, b) >= lex().settings["function_match"]
    c = Phrase.of(lex(), "违法停车抓拍")
    assert phrase_similarity(c, Phrase.of(lex(), "停车收费")) < lex().settings["function_match"]


def _corpus() -> list[Doc]:
    return [
        doc(1, "社会救助综合管理系统", 1, ["低保申请审批", "特困人员供养管理", "临时救助", "救助资金发放"],
            ["姓名", "身份证号码", "家庭人均收入", "低保金额"]),
        doc(2, "智慧停车管理平台", 2, ["停车场管理", "车位诱导", "停车收费", "移动端找车位"], ["车牌号", "停车记录"]),
        doc(3, "区域全民健康信息平台", 3, ["电子健康档案", "电子病历共享", "家庭医生签约"], ["电子病历", "诊断结果"]),
        doc(4, "机关协同办公系统", 4, ["公文流转", "会议管理", "督查督办"]),
    ]


def test_paraphrased_duplicate_ranks_first_and_hard_negative_stays_low() -> None:
    index = Index(_corpus(), lex().settings, key_items=lex().key_items)
    paraphrase = extract(lex(), name="困难群众帮扶平台", functions=["最低生活保障审核", "特困供养", "临时帮扶",
                                                                    "帮扶资金发放"],
                         data_items=["姓名", "公民身份号码", "家庭收入", "保障金额"])
    hits = index.search(paraphrase, minimum=0)
    assert hits[0].doc.name == "社会救助综合管理系统"
    assert hits[0].score >= lex().settings["duplicate_strong"]
    assert len(hits[0].function_matches) >= 3
    # Same words (停车), different function (违停执法 vs 停车收费).
    negative = extract(lex(), name="道路违法停车抓拍系统", functions=["违停自动抓拍", "违法证据上传",
                                                                      "违法告知短信推送"],
                       data_items=["车牌号", "违法地点"])
    top = index.search(negative, minimum=0)
    assert all(h.score < lex().settings["duplicate_warn"] for h in top)


def test_the_index_finds_what_brute_force_finds() -> None:
    docs = _corpus() + [doc(10 + i, f"测试系统{i}", 9, [f"功能{i}"]) for i in range(30)]
    index = Index(docs, lex().settings, key_items=lex().key_items)
    for query in docs[:4]:
        fast = [(h.doc.key, round(h.score, 6)) for h in index.search(query.features, minimum=0.1)]
        slow = [(h.doc.key, round(h.score, 6)) for h in index.brute_force(query.features, minimum=0.1)]
        assert fast == slow


def test_ranking_is_deterministic() -> None:
    index = Index(_corpus(), lex().settings, key_items=lex().key_items)
    query = _corpus()[0].features
    first = [(h.doc.key, h.score) for h in index.search(query, minimum=0)]
    assert all(first == [(h.doc.key, h.score) for h in index.search(query, minimum=0)] for _ in range(3))


def test_phase_markers_are_taken_off_names() -> None:
    assert name_key("中小学智慧课堂教学平台（一期）") == name_key("中小学智慧课堂教学平台（二期）")
    assert name_key("耕地保护巡查系统第二阶段") == "耕地保护巡查系统"
    assert name_similarity("校园安全监控系统", "校园安全教育系统") < 0.8


def test_legal_number_terms_of_split_thresholds() -> None:
    # 通州 第八条 “超过50万元” excludes 50万; 昌吉 第十七条 “50万元及以上” includes it.
    exceeds = SplitThreshold(value=Decimal(50), term="超过", label="", dodges="")
    at_least = SplitThreshold(value=Decimal(50), term="及以上", label="", dodges="")
    assert not exceeds.triggers(50) and exceeds.triggers(50.01)
    assert at_least.triggers(50) and not at_least.triggers(49.99)
    assert pack_rules("tongzhou-2023").threshold.term == "超过"
    assert pack_rules("changji-2025").threshold.triggers(50)
    assert pack_rules("bazhong-2022").threshold.value == 30
    assert pack_rules("kundulun-2024").threshold.value == 200


def test_pack_rules_cite_the_rule_that_reads_the_fact() -> None:
    tz = pack_rules("tongzhou-2023")
    assert tz.duplicate.citation["article"] == 24 and tz.duplicate.severity == "block"
    assert tz.split.citation["article"] == 8
    assert tz.data.citation["article"] == 24
    kdl = pack_rules("kundulun-2024")
    assert (kdl.duplicate.citation["article"], kdl.duplicate.citation["item"]) == (10, 5)
    assert kdl.split.citation["article"] == 19
    cj = pack_rules("changji-2025")
    assert cj.split.citation["article"] == 8 and {"pack": "changji-2025", "article": 16} in cj.split.citations
    assert (cj.data.citation["article"], cj.data.citation["item"]) == (12, 7)
    assert pack_rules("bazhong-2022").duplicate.citation["article"] == 8


def test_the_later_application_is_the_subject() -> None:
    built = doc(1, "甲", 1, ["a"], kind="project")
    built.state = "in_operation"
    new = doc(2, "乙", 2, ["a"], kind="project")
    assert subject_of(built, new) is new


def test_an_incremental_update_answers_as_a_fresh_build_on_changed_documents() -> None:
    docs = _corpus()
    index = Index(docs[:3], lex().settings, key_items=lex().key_items)
    moved = doc(2, "智慧停车管理平台", 2, ["停车场管理", "车位诱导", "停车收费", "错峰共享泊位"])
    updated = index.updated([docs[3], moved], removed={"system:3"})
    assert [d.key for d in updated.docs] == ["system:1", "system:2", "system:4"]
    assert [d.key for d in index.docs] == ["system:1", "system:2", "system:3"]  # the old one is untouched
    query = extract(lex(), name="公文流转系统", functions=["公文流转", "会议管理"])
    assert updated.search(query, minimum=0.2)[0].doc.name == "机关协同办公系统"
    assert updated.drift == 3

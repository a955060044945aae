"""The built-in packs against their source texts (every pack's generic checks: test_every_pack.py)."""

import pytest

from govit.policy.loader import PACKS_DIR, load_pack, load_pack_folder

from .test_every_pack import FOLDERS

ARTICLES = {"kundulun-2024": 29, "bazhong-2022": 50, "tongzhou-2023": 41, "changji-2025": 38}  # their texts


@pytest.mark.parametrize(("pack_id", "count"), ARTICLES.items())
def test_pack_has_every_article_of_its_source(pack_id, count):
    pack = load_pack_folder(PACKS_DIR / pack_id)
    assert sorted(pack.articles) == list(range(1, count + 1))
    assert all(article["text"].strip() for article in pack.articles.values())


def test_changji_text_stays_in_traditional_characters():
    pack = load_pack("changji-2025")
    assert "聯合會審" in pack.articles[14]["text"]
    assert pack.data["script"] == "traditional"


def test_validity_dates_follow_the_texts():
    assert str(load_pack("kundulun-2024").valid_until) == "2026-12-27"  # 有效期两年 (第二十九条)
    assert str(load_pack("changji-2025").valid_until) == "2026-01-16"  # 试行一年 (第三十八条)
    assert load_pack("bazhong-2022").valid_until is None
    assert str(load_pack("bazhong-2022").valid_from) == "2022-05-22"  # 第五十条


@pytest.mark.parametrize("pack_id", sorted(FOLDERS))
def test_every_threshold_parameter_is_cited_with_its_term(pack_id):
    for key, param in load_pack(pack_id).parameters.items():
        assert param.get("citation") or param.get("citations"), key
        if key.endswith("_wan"):
            assert param.get("term"), f"{pack_id}: {key} needs the legal term of its text"

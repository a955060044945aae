"""/regulations/: pack list, article browser (Traditional text, Simplified search), comparison, pre-check."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from govit.core.models import User
from govit.policy import pack_ids

pytestmark = pytest.mark.usefixtures("demo_data")


def _client(username: str = "kdl_applicant") -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pack_list_shows_statuses_validity_and_days_left_on_a_frozen_date() -> None:
    html = _client().get(reverse("regulations:pack-list") + "?as_of=2026-11-21").content.decode()
    text = _text(html)
    for title in ("昆都仑区", "巴中", "通州区", "昌吉"):
        assert title in text
    assert "通政办发〔2023〕7号" in text and "南通市通州区" in text
    card = html[html.index('id="pack-kundulun-2024"'):]
    card = card[: card.index("</section>")]
    assert "有效" in card and "剩余 36 天" in card and "2026-12-27" in card
    changji = html[html.index('id="pack-changji-2025"'):]
    changji = changji[: changji.index("</section>")]
    assert 'class="badge status-expired">已失效' in changji and "剩余" not in changji
    bazhong = html[html.index('id="pack-bazhong-2022"'):]
    assert "长期" in bazhong[: bazhong.index("</section>")]


def test_pack_list_before_a_pack_takes_effect_says_not_yet_in_force() -> None:
    html = _client().get(reverse("regulations:pack-list") + "?as_of=2024-06-01").content.decode()
    kundulun = html[html.index('id="pack-kundulun-2024"'):]
    assert "尚未施行" in kundulun[: kundulun.index("</section>")]


def test_pack_browser_shows_changji_article_14_in_traditional_with_its_encodings() -> None:
    html = _client().get(reverse("regulations:pack-detail", args=["changji-2025"])).content.decode()
    assert 'id="art-14"' in html
    article = html[html.index('id="art-14"'):]
    article = article[: article.index("</article>")]
    assert "聯合會審由州數字化發展局牽頭組織" in article
    assert "第四章 項目審批" in html
    # Chapter headings, and the encodings next to the text (rule messages, parameters with values).
    art_17 = html[html.index('id="art-17"'):]
    art_17 = art_17[: art_17.index("</article>")]
    assert "50 万元（及以上）" in art_17 and "联合会审" in art_17


def test_simplified_search_finds_traditional_text_and_highlights_it() -> None:
    url = reverse("regulations:pack-detail", args=["changji-2025"])
    html = _client().get(url, {"q": "联合会审"}).content.decode()
    assert 'id="art-14"' in html
    assert "<mark>聯合會審</mark>" in html
    assert "找到" in html
    # Articles without the phrase are left out.
    assert 'id="art-1"' not in html
    none = _client().get(url, {"q": "火星基地"}).content.decode()
    assert "没有找到" in none and "<article" not in none


def test_search_in_a_simplified_pack() -> None:
    url = reverse("regulations:pack-detail", args=["tongzhou-2023"])
    html = _client().get(url, {"q": "工程监理"}).content.decode()
    assert 'id="art-25"' in html and "<mark>工程监理</mark>" in html


def test_unknown_pack_page_is_404() -> None:
    assert _client().get("/regulations/atlantis-2030/").status_code == 404


def test_compare_page_shows_each_packs_review_threshold_linked_to_its_article() -> None:
    html = _client().get(reverse("regulations:compare")).content.decode()
    row = html[html.index('id="row-review_threshold_wan"'):]
    row = row[: row.index("</tr>")]
    assert "/regulations/tongzhou-2023/#art-8" in row and "50 万元（超过）" in row
    assert row.count("未规定") == 3
    joint = html[html.index('id="row-joint_review_min_wan"'):]
    joint = joint[: joint.index("</tr>")]
    assert "/regulations/changji-2025/#art-17" in joint and "50 万元（及以上）" in joint
    supervision = html[html.index('id="row-supervision_threshold_wan"'):]
    supervision = supervision[: supervision.index("</tr>")]
    assert "200 万元（及以上）" in supervision and "100 万元（超过）" in supervision
    assert 'id="row-validity"' in html and "2025-01-17 至 2026-01-16" in html
    assert 'id="threshold-chart-data"' in html and "/static/vendor/echarts/echarts.min.js" in html


def test_pages_have_no_inline_scripts() -> None:
    client = _client()
    urls = [
        reverse("regulations:pack-list"),
        reverse("regulations:pack-detail", args=["changji-2025"]),
        reverse("regulations:compare"),
        reverse("regulations:precheck"),
    ]
    for url in urls:
        html = client.get(url).content.decode()
        for tag, body in re.findall(r"(<script[^>]*>)(.*?)</script>", html, re.S):
            assert "src=" in tag or 'type="application/json"' in tag, tag
            assert "src=" not in tag or not body.strip()
        assert "http://" not in html and "https://" not in html


def test_precheck_defaults_to_the_users_jurisdiction_pack() -> None:
    html = _client("tz_applicant").get(reverse("regulations:precheck")).content.decode()
    assert re.search(r'<option value="tongzhou-2023" selected>', html)
    for label in ("项目类别", "资金来源", "部署（迁移）到政务云", "未填"):
        assert label in html
    # Every visible input has a label.
    ids = set(re.findall(r'<(?:input|select)[^>]*id="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    assert ids and ids <= labelled, ids - labelled


def _machine_room_project(pack: str) -> dict[str, object]:
    return {
        "pack": pack,
        "as_of": "2026-03-01",
        "category": "new",
        "delivery": "self_build",
        "total_investment_wan": "120",
        "funding_sources": ["local_fiscal"],
        "contains": ["machine_room"],
        "on_gov_cloud": "true",
        "dates__approved": "2025-08-31",
    }


@pytest.mark.parametrize("pack", ["kundulun-2024", "bazhong-2022"])
def test_precheck_post_shows_the_blocking_finding_with_its_article(pack: str) -> None:
    html = _client().post(reverse("regulations:precheck"), _machine_room_project(pack)).content.decode()
    assert "存在阻断事项" in html
    block = html[html.index("sev-group-block"):]
    block = block[: block.index("</ol>")]
    assert re.search(rf'href="/regulations/{pack}/#art-\d+"', block)
    assert "机房" in block
    assert "在所有办法下对比" in html and "审查路径" in html


def test_precheck_htmx_returns_only_the_result_panel() -> None:
    response = _client().post(
        reverse("regulations:precheck"), _machine_room_project("kundulun-2024"), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "存在阻断事项" in html


def test_precheck_eligible_project_shows_determinations_and_deadlines() -> None:
    facts = {
        "pack": "tongzhou-2023",
        "as_of": "2026-03-01",
        "category": "new",
        "delivery": "self_build",
        "total_investment_wan": "120",
        "funding_sources": ["local_fiscal"],
        "on_gov_cloud": "true",
        "requirements_clear": "true",
        "performance_goals_clear": "true",
        "resource_catalog": "true",
        "sharing_analysis_chapter": "true",
        "shares_data_as_required": "true",
        "dates__approved": "2025-08-31",
    }
    html = _client().post(reverse("regulations:precheck"), facts).content.decode()
    text = _text(html)
    assert "审查路径 审批" in text
    assert "截止日期" in text and "报送项目进展情况" in text and "2026-03-31" in text


def test_precheck_missing_facts_are_named_in_chinese() -> None:
    html = _client().post(reverse("regulations:precheck"), {"pack": "bazhong-2022"}).content.decode()
    assert "信息不完整" in html
    assert "缺少信息“项目类别”、“建设总投资（万元，不含运维）”" in html
    assert "缺少事实" not in html


def test_precheck_bad_input_shows_chinese_errors_next_to_the_field() -> None:
    response = _client().post(
        reverse("regulations:precheck"),
        {"pack": "tongzhou-2023", "total_investment_wan": "-5", "dates__approved": "去年"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('for="id_total_investment_wan"'):]
    assert "不能为负数" in field[: field.index('id="err-total_investment_wan"') + 80]
    dates = html[html.index('id="err-dates__approved"'):]
    assert "请填写有效日期" in dates[: dates.index("</div>")]
    assert "填写有误" in html and "建设总投资" in html


def test_precheck_htmx_sends_field_errors_out_of_band() -> None:
    response = _client().post(
        reverse("regulations:precheck"),
        {"pack": "tongzhou-2023", "total_investment_wan": "-5"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert re.search(r'id="err-total_investment_wan" hx-swap-oob="true">不能为负数', html)
    assert 'id="err-category" hx-swap-oob="true"></div>' in html


def test_navigation_shows_policy_pages_to_project_roles_not_administrators() -> None:
    home = _client("bz_expert").get(reverse("web:home")).content.decode()
    for label in ("政策包", "办法对比", "预检"):
        assert f">{label}</a>" in home
    admin_home = _client("bz_security_admin").get(reverse("web:home")).content.decode()
    assert ">办法对比</a>" not in admin_home


@pytest.mark.parametrize("name", ["regulations:pack-list", "regulations:compare", "regulations:precheck"])
def test_anonymous_visitors_are_sent_to_login(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


@pytest.mark.parametrize("pack", pack_ids())
def test_pack_browser_shows_no_untranslated_codes(pack: str) -> None:
    html = _client().get(reverse("regulations:pack-detail", args=[pack])).content.decode()
    assert html.count('<article class="article card"') > 20
    for aside in re.findall(r'<aside class="article-encodings".*?</aside>', html, re.S):
        leaked = re.findall(r"\b[a-z]+_[a-z_]+\b", _text(aside))
        assert not leaked, leaked

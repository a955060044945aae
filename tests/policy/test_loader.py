"""A pack that breaks the rules of the pack language does not load."""

import shutil
from pathlib import Path

import pytest
import yaml

from govit.policy.loader import PackError, load_pack_folder

SAMPLE = Path(__file__).parent / "fixtures" / "packs" / "sample-2025"


@pytest.fixture
def pack_dir(tmp_path):
    folder = tmp_path / "sample-2025"
    shutil.copytree(SAMPLE, folder)
    return folder


def _edit(folder, change):
    data = yaml.safe_load((folder / "pack.yaml").read_text(encoding="utf-8"))
    change(data)
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_sample_pack_loads(pack_dir):
    pack = load_pack_folder(pack_dir)
    assert pack.id == "sample-2025" and pack.digest.startswith("sha256:")
    assert pack.items[4] == [1, 2]


def test_duplicate_key_is_a_load_error(pack_dir):
    text = (pack_dir / "pack.yaml").read_text(encoding="utf-8")
    (pack_dir / "pack.yaml").write_text(text.replace("issuer:", "title: 重复\nissuer:", 1), encoding="utf-8")
    with pytest.raises(PackError, match="duplicate key 'title'"):
        load_pack_folder(pack_dir)


def test_parameter_without_citation_is_a_load_error(pack_dir):
    _edit(pack_dir, lambda d: d["parameters"]["change_limit_ratio"].pop("citation"))
    with pytest.raises(PackError, match="schema error at parameters/change_limit_ratio"):
        load_pack_folder(pack_dir)


def test_unknown_article_is_a_load_error(pack_dir):
    _edit(pack_dir, lambda d: d["rules"][0].update(citation={"article": 99}))
    with pytest.raises(PackError, match="cites article 99, which does not exist"):
        load_pack_folder(pack_dir)


def test_unknown_item_is_a_load_error(pack_dir):
    _edit(pack_dir, lambda d: d["rules"][0].update(citation={"article": 4, "item": 3}))
    with pytest.raises(PackError, match="article 4 item 3, which does not exist"):
        load_pack_folder(pack_dir)


def test_unknown_parameter_is_a_load_error(pack_dir):
    _edit(pack_dir, lambda d: d["determinations"]["review_route"]["cases"][0]["when"].update(
        at_most={"param": "no_such_threshold"}))
    with pytest.raises(PackError, match="unknown parameter"):
        load_pack_folder(pack_dir)


def test_rule_without_condition_is_a_load_error(pack_dir):
    _edit(pack_dir, lambda d: d["rules"][0].pop("when"))
    with pytest.raises(PackError, match="schema error"):
        load_pack_folder(pack_dir)


def test_id_must_match_folder(pack_dir):
    _edit(pack_dir, lambda d: d.update(id="other-2025"))
    with pytest.raises(PackError, match="differs from its folder name"):
        load_pack_folder(pack_dir)


def test_gap_in_article_numbers_is_a_load_error(pack_dir):
    _edit(pack_dir, lambda d: d["articles"].pop(4))
    with pytest.raises(PackError):
        load_pack_folder(pack_dir)

"""Every case in every pack's cases.yaml: the regulation's text, as tests."""

import pytest

from govit.policy.loader import load_pack, pack_folders
from govit.policy.testing import load_cases, run_case

from .conftest import EXTRA_PACKS


def _all_cases():
    # Collection runs outside the autouse fixture: set the extra pack folder only for this loop.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOVIT_EXTRA_PACKS", EXTRA_PACKS)
        return [
            pytest.param(pack_id, case, id=f"{pack_id}-{index:03d}")
            for pack_id in sorted(pack_folders())
            for index, case in enumerate(load_cases(load_pack(pack_id)))
        ]


@pytest.mark.parametrize(("pack_id", "case"), _all_cases())
def test_case(pack_id, case):
    assert "cite" in case, f"case {case.get('name')!r} must cite the article it is written from"
    result = run_case(load_pack(pack_id), case)
    assert result.ok, f"{case['name']}:\n  " + "\n  ".join(result.problems)

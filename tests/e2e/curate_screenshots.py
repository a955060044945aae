"""Copy the README's screenshots from var/e2e/ (written by the e2e tests) to docs/first-ten-minutes/,
as 256-colour PNGs (Pillow) so each stays well under 250 KB.

    python tests/e2e/curate_screenshots.py      # after `make e2e`; needs Pillow (pip install pillow)

Not part of the test run: the committed pictures change only when someone looks at them and reruns this.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "var" / "e2e"
TARGET = ROOT / "docs" / "first-ten-minutes"
PICKS = {  # var/e2e name (without its number) -> docs name
    "applicant-workspace": "01-workspace",
    "precheck-blocking-finding": "02-precheck-blocked",
    "submit-refused-missing-proposal": "03-submit-refused",
    "lead-office-totp": "04-totp",
    "lead-office-inbox": "05-inbox",
    "member-opinion": "06-member-opinion",
    "experts-drawn": "07-expert-draw",
    "expert-review": "08-expert-review",
    "change-beyond-limit": "09-change-route",
    "acceptance-refused-missing-document": "10-acceptance-refused",
    "timeline": "11-timeline",
    "dashboard": "12-dashboard",
    "phone-project": "13-phone-project",
    "phone-new-project": "14-phone-new-project",
}
MAX_BYTES = 250 * 1024


def main() -> int:
    from PIL import Image

    TARGET.mkdir(parents=True, exist_ok=True)
    for source_name, target_name in PICKS.items():
        found = sorted(SOURCE.glob(f"[0-9][0-9]-{source_name}.png")) or sorted(SOURCE.glob(f"{source_name}.png"))
        if not found:
            print(f"missing: var/e2e/*{source_name}.png (run `make e2e` first)", file=sys.stderr)
            return 1
        image = Image.open(found[-1]).convert("RGB")
        small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = TARGET / f"{target_name}.png"
        small.save(out, optimize=True)
        size = out.stat().st_size
        print(f"{out.relative_to(ROOT)}  {image.width}x{image.height}  {size // 1024} KB")
        if size > MAX_BYTES:
            print(f"  too large: over {MAX_BYTES // 1024} KB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `govit` command: policy commands go to govit.policy.cli, everything else to Django."""

from __future__ import annotations

import os
import sys

POLICY_COMMANDS = frozenset({"evaluate", "packs"})


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in POLICY_COMMANDS:
        # Imported lazily: the policy engine is pure Python and must not pay for Django start-up.
        from govit.policy.cli import main as policy_main

        return int(policy_main(argv[1:]) or 0)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govit.settings.dev")
    from django.core.management import execute_from_command_line

    argv[0] = "govit"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())

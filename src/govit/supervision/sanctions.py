"""A unit's active restrictions (限制申报等), read by the projects domain for the pack's `unit` facts.

Kept apart from `supervision.selectors` (which reads projects) so that projects can import it
without an import cycle: this module depends only on the supervision models.
"""

from __future__ import annotations

from django.db.models import QuerySet

from govit.core.models import Unit
from govit.supervision.models import UnitSanction


def active_sanctions(unit: Unit) -> QuerySet[UnitSanction]:
    return UnitSanction.objects.filter(unit=unit, lifted_at__isnull=True)


def active_sanction_facts(unit: Unit) -> dict[str, bool]:
    """{fact name: True} for each kind of active restriction of the unit."""
    return {kind: True for kind in active_sanctions(unit).values_list("kind", flat=True)}

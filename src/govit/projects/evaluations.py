"""Pack evaluations cached by what they depend on: (pack digest, facts digest, as-of day).

A page view asks the pack about a project several times (detail, next steps, actions); the answer
only changes when the facts (the project's or its unit's), the pack or the day change, so it is
computed once per such triple and kept in the cache (Redis in production, process memory in the
embedded default). The key never names the project: two projects with equal facts share it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from datetime import date
from typing import Any

from django.core.cache import cache

from govit import policy

# A day's evaluation stays valid for that day only; keep it a little longer than a day at most.
CACHE_SECONDS = 26 * 3600
_PREFIX = "govit:eval:v1:"
logger = logging.getLogger("govit.projects")


def facts_digest(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an evaluation input (project and unit facts)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def pack_digest_hex(pack_id: str) -> str:
    return policy.load_pack(pack_id).digest.split(":")[-1]


def evaluation_key(data: dict[str, Any], pack_id: str, as_of: date) -> str:
    return f"{_PREFIX}{pack_digest_hex(pack_id)[:32]}:{facts_digest(data)}:{as_of.isoformat()}"


def cached_evaluate(data: dict[str, Any], pack_id: str, as_of: date) -> dict[str, Any]:
    """`policy.evaluate(data, pack_id, as_of)`, from the cache when the same triple was asked before.

    Every cache backend Django ships pickles the value, so each caller gets its own copy.
    """
    key = evaluation_key(data, pack_id, as_of)
    found = cache.get(key)
    if found is not None:
        return found
    result = policy.evaluate(within_bounds(data), pack_id, as_of.isoformat())
    cache.set(key, result, CACHE_SECONDS)
    return result


def within_bounds(data: dict[str, Any]) -> dict[str, Any]:
    """Stored facts as the policy accepts them today: a fact outside the bounds (written before
    `govit.bounds` existed, or by SQL: 1e300, a negative sum, a date in 1900) is left out — the
    evaluation then treats it as not given — instead of failing every page that shows the project."""
    try:
        policy.parse_input(data)
        return data
    except policy.FactsError as exc:
        cleaned = copy.deepcopy(data)
        for path, _ in exc.fields:
            *parents, leaf = [part for part in path.split(".") if part]
            node: Any = cleaned
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node.pop(leaf, None)
        logger.warning("Stored facts outside the bounds left out of the evaluation: %s",
                       [path for path, _ in exc.fields])
        try:
            policy.parse_input(cleaned)
        except policy.FactsError:
            return {key: value for key, value in cleaned.items() if key not in ("project", "unit")}
        return cleaned

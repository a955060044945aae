"""The expert draw algorithm (分类随机抽取, 昌吉 第三十二条): deterministic, so anyone can re-run it.

Algorithm "hmac-sm3-rank/v1":

1. Inputs, frozen when the draw is committed: per category the ascending list of eligible expert
   ids (`candidates`), the requested panel size per category, the reserve size per category.
   Their canonical JSON is hashed (SM3) into `candidates_digest`, and the seed's SM3 into
   `seed_commitment`; both are published (audited) before the draw.
2. The seed is 32 random bytes (64 hex characters), revealed when the draw executes.
3. Categories are processed in ascending order of their code. In each, every candidate not already
   picked for an earlier category gets the score HMAC-SM3(key = seed bytes, message =
   "<category>:<expert id>"), and candidates are ordered by (score, expert id).
4. The first `requested[category]` are the panel, the next `reserve` the reserve list, in that
   order (rank 1, 2, …). An expert picked in one category is not considered in later ones.
5. A decline is replaced by the first unused reserve of the same category, in rank order.

Given the same inputs and seed the result is the same on any machine: no database order, no
floating point, no process-wide random state.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from govit.core import crypto

ALGORITHM = "hmac-sm3-rank/v1"
SEED_BYTES = 32


@dataclass(frozen=True)
class Pick:
    expert_id: int
    category: str
    rank: int  # 1-based within the category
    role: str  # "panel" | "reserve"


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def seed_commitment(seed: str) -> str:
    """SM3 of the seed's hex text: what is published before the draw."""
    return crypto.sm3_hex(seed)


def canonical_inputs(*, candidates: dict[str, list[int]], requested: dict[str, int], reserve: int) -> str:
    """The frozen inputs as canonical JSON (sorted keys, sorted ids, no spaces)."""
    document = {
        "algorithm": ALGORITHM,
        "candidates": {c: sorted(ids) for c, ids in candidates.items()},
        "requested": {c: int(n) for c, n in requested.items()},
        "reserve": int(reserve),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def inputs_digest(*, candidates: dict[str, list[int]], requested: dict[str, int], reserve: int) -> str:
    return crypto.sm3_hex(canonical_inputs(candidates=candidates, requested=requested, reserve=reserve))


def score(seed: str, category: str, expert_id: int) -> str:
    return crypto.hmac_sm3(bytes.fromhex(seed), f"{category}:{expert_id}")


def run(*, seed: str, candidates: dict[str, list[int]], requested: dict[str, int], reserve: int) -> list[Pick]:
    """The panel and reserve picks, category by category, in rank order."""
    picks: list[Pick] = []
    taken: set[int] = set()
    for category in sorted(requested):
        pool = sorted(set(candidates.get(category, [])) - taken)
        ranked = sorted(pool, key=lambda expert_id: (score(seed, category, expert_id), expert_id))
        wanted = int(requested[category])
        for index, expert_id in enumerate(ranked[: wanted + reserve]):
            picks.append(Pick(expert_id, category, index + 1, "panel" if index < wanted else "reserve"))
            taken.add(expert_id)
    return picks


def shortfall(*, candidates: dict[str, list[int]], requested: dict[str, int]) -> dict[str, int]:
    """Categories where fewer eligible candidates exist than the panel needs (ignoring overlaps)."""
    return {c: n - len(candidates.get(c, [])) for c, n in requested.items() if len(candidates.get(c, [])) < n}


def as_json(picks: list[Pick]) -> list[dict[str, Any]]:
    return [{"expert": p.expert_id, "category": p.category, "rank": p.rank, "role": p.role} for p in picks]

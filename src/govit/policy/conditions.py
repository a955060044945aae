"""Three-valued conditions over project facts: true, false or unknown (a needed fact is absent)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govit.policy.legal import add_months, compare

UNKNOWN = None
Tri = bool | None

_COMPARATORS = ("at_least", "at_most", "over", "under")
_OPERATORS = ("eq", "ne", "in", "not_in", "is", *_COMPARATORS, "any_of", "none_of", "subset_of", "present")


_OPERATOR_SET = frozenset(_OPERATORS)


class ConditionError(ValueError):
    """A malformed condition in a pack (caught at load time by the schema, and here as a guard)."""


@dataclass
class Outcome:
    """The value of a condition, the facts that were absent, and the facts and parameters read."""

    value: Tri
    missing: set[str] = field(default_factory=set)
    read: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


_ABSENT = object()


class Context:
    """What a condition can see: the given facts, derived facts, the pack's parameters, as_of."""

    def __init__(self, facts: dict[str, Any], parameters: dict[str, Any], as_of: date,
                 derived: dict[str, Callable[[Context], Any]]):
        self.facts = facts
        self.parameters = parameters
        self.as_of = as_of
        self._derived = derived
        self._derived_cache: dict[str, Any] = {}

    def lookup(self, path: str) -> Any:
        """The value at a dotted path, or _ABSENT."""
        root, _, rest = path.partition(".")
        if root == "derived":
            if rest not in self._derived:
                raise ConditionError(f"unknown derived fact {path}")
            if rest not in self._derived_cache:
                self._derived_cache[rest] = self._derived[rest](self)
            value = self._derived_cache[rest]
            return _ABSENT if value is None else value
        node: Any = self.facts.get(root, _ABSENT)
        for part in rest.split(".") if rest else []:
            if not isinstance(node, dict) or part not in node or node[part] is None:
                return _ABSENT
            node = node[part]
        return node

    def param(self, key: str) -> Any:
        if key not in self.parameters:
            raise ConditionError(f"unknown parameter {key}")
        return self.parameters[key]["value"]


def display_path(path: str) -> str:
    """Fact names as findings show them: `project.` is implied."""
    return path.removeprefix("project.")


def _number(spec: Any, ctx: Context, out: Outcome) -> float | None:
    """A threshold: a literal, {param: key} or {param: key, times: fact}; None when a fact is absent."""
    if isinstance(spec, dict):
        key = spec["param"]
        value = ctx.param(key)
        out.params[key] = value
        if "times" in spec:
            base = ctx.lookup(spec["times"])
            if base is _ABSENT:
                out.missing.add(display_path(spec["times"]))
                return None
            out.read[display_path(spec["times"])] = base
            value = value * base
        return value
    return spec


def _resolve_date(spec: Any, ctx: Context, out: Outcome) -> date | None:
    """A date fact, or {latest_of: [facts]} (all of them must be given)."""
    if isinstance(spec, dict) and "latest_of" in spec:
        found = [_resolve_date(path, ctx, out) for path in spec["latest_of"]]
        return None if any(d is None for d in found) else max(found)
    value = ctx.lookup(spec)
    if value is _ABSENT:
        out.missing.add(display_path(spec))
        return None
    out.read[display_path(spec)] = value.isoformat() if isinstance(value, date) else value
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def shifted_date(spec: dict[str, Any], ctx: Context, out: Outcome) -> date | None:
    """{date: fact, add_months: N | {param}} → the date N months later (end-of-month clamped)."""
    base = _resolve_date(spec["date"], ctx, out)
    if base is None:
        return None
    months = _number(spec.get("add_months", 0), ctx, out)
    return add_months(base, int(months))


def evaluate(cond: dict[str, Any], ctx: Context) -> Outcome:
    """Evaluate a condition; Kleene logic for all/any/not."""
    out = Outcome(UNKNOWN)
    out.value = _eval(cond, ctx, out)
    if out.value is not UNKNOWN:
        out.missing.clear()
    return out


def _eval(cond: dict[str, Any], ctx: Context, out: Outcome) -> Tri:
    if "all" in cond or "any" in cond:
        is_all = "all" in cond
        results = []
        for sub in cond["all" if is_all else "any"]:
            inner = evaluate(sub, ctx)
            out.read.update(inner.read)
            out.params.update(inner.params)
            results.append(inner)
        decisive = False if is_all else True
        if any(r.value is decisive for r in results):
            return decisive
        unknown = [r for r in results if r.value is UNKNOWN]
        if unknown:
            for r in unknown:
                out.missing |= r.missing
            return UNKNOWN
        return not decisive
    if "not" in cond:
        inner = evaluate(cond["not"], ctx)
        out.read.update(inner.read)
        out.params.update(inner.params)
        out.missing |= inner.missing
        return UNKNOWN if inner.value is UNKNOWN else not inner.value
    if "after" in cond:
        target = shifted_date(cond["after"], ctx, out)
        if target is None:
            return _absent_value(cond, out)
        return ctx.as_of > target
    if "before" in cond:
        spec = cond["before"]
        value = _resolve_date(spec["fact"], ctx, out)
        target = shifted_date(spec, ctx, out)
        if value is None or target is None:
            return _absent_value(cond, out)
        return value < target
    return _predicate(cond, ctx, out)


def _absent_value(cond: dict[str, Any], out: Outcome) -> Tri:
    if "absent" in cond:
        out.missing.clear()
        return bool(cond["absent"])
    return UNKNOWN


def _predicate(cond: dict[str, Any], ctx: Context, out: Outcome) -> Tri:
    path = cond.get("fact")
    operators = [key for key in cond if key in _OPERATOR_SET]
    if not path or len(operators) != 1:
        raise ConditionError(f"a predicate needs `fact` and exactly one operator: {cond}")
    op = operators[0]
    arg = cond[op]
    value = ctx.lookup(path)
    if op == "present":
        out.read[display_path(path)] = None if value is _ABSENT else value
        return (value is not _ABSENT) == bool(arg)
    if value is _ABSENT:
        out.missing.add(display_path(path))
        return _absent_value(cond, out)
    out.read[display_path(path)] = value.isoformat() if isinstance(value, date) else value
    if op in _COMPARATORS:
        threshold = _number(arg, ctx, out)
        if threshold is None:
            return UNKNOWN
        return compare(op, float(value), float(threshold))
    if op in ("eq", "is"):
        return value == arg
    if op == "ne":
        return value != arg
    if op == "in":
        return value in arg
    if op == "not_in":
        return value not in arg
    items = value if isinstance(value, list) else [value]
    if op == "any_of":
        return any(item in arg for item in items)
    if op == "none_of":
        return not any(item in arg for item in items)
    return bool(items) and all(item in arg for item in items)  # subset_of


def facts_in(cond: Any) -> set[str]:
    """Every fact path a condition mentions (for coverage and documentation)."""
    found: set[str] = set()
    if isinstance(cond, dict):
        for key, value in cond.items():
            if key in ("fact", "date", "times") and isinstance(value, str):
                found.add(value)
            elif key == "latest_of":
                found.update(value)
            else:
                found |= facts_in(value)
    elif isinstance(cond, list):
        for item in cond:
            found |= facts_in(item)
    return found


def params_in(cond: Any) -> set[str]:
    """Every parameter key a condition or spec refers to."""
    found: set[str] = set()
    if isinstance(cond, dict):
        if "param" in cond and isinstance(cond["param"], str):
            found.add(cond["param"])
        for value in cond.values():
            found |= params_in(value)
    elif isinstance(cond, list):
        for item in cond:
            found |= params_in(item)
    return found

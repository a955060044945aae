"""Refuse a pack's mistakes when it loads, naming the pack, the rule, the bad name and the nearest valid one.

The JSON Schema checks the shape; this checks the names: every fact path, the values compared with
it, determination values, document codes, derived facts, review bodies, deadline codes and the
pack's own declarations. A misspelt `project.catgory` would otherwise load and never fire.
"""

from __future__ import annotations

import difflib
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaError

from govit.policy import labels
from govit.policy.declarations import (
    FACT_TYPES,
    contract_fact_paths,
    declared_documents,
    declared_values,
    fact_paths,
    nearest,
)

# Values of the contract's determinations (policy-contract.md); custom determinations declare theirs.
SCALAR_VALUES: dict[str, list[Any]] = {
    "review_route": ["not_applicable", "exempt", "filing", "approval", "joint_review", "department_opinions"],
    "supervision": ["required", "expected", "unified_service", "not_required"],
    "change_route": ["self_adjust_and_file", "apply_then_file", "full_reapproval"],
    "om_funding": ["allowed", "denied"],
    "contract_terms": ["ok", "violates"],
    "in_scope": [True, False], "documents_may_merge": [True, False], "unit_may_apply": [True, False],
}
BODIES = ["data_bureau", "netsec", "secrecy_crypto", "finance", "police", "development_reform", "approval_bureau",
          "economy_it", "audit", "archives", "industry", "experts", "government"]
# The contract's documents and the platform's other material codes (govit.projects.models.MaterialCode).
CONTRACT_DOCUMENTS = [*labels.DOCUMENTS, "supervision_contract", "acceptance_extension", "application_form",
                      "meeting_minutes", "review_opinion", "progress_report", "performance_report",
                      "change_application"]
DOCUMENT_LISTS = ("approval_documents", "acceptance_documents", "merged_documents")
CONTRACT_DETERMINATIONS = (*SCALAR_VALUES, "review_bodies", *DOCUMENT_LISTS, "change_ratio", "deadlines")
VALUE_OPERATORS = ("eq", "ne", "in", "not_in", "any_of", "none_of", "subset_of")
OPERATORS = ("eq", "ne", "in", "not_in", "is", "at_least", "at_most", "over", "under", "any_of", "none_of",
             "subset_of", "present", "absent")
COMBINATORS = ("all", "any", "not", "after", "before", "fact")


# --- schema errors that name the operator at fault -------------------------------------------------------


def explain_schema_error(error: SchemaError) -> str:
    """A schema error as a sentence naming what is wrong, descending into oneOf/anyOf branches."""
    where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
    instance = error.instance
    if error.validator in ("oneOf", "anyOf") and error.context:
        if (isinstance(instance, dict) and any(k in instance for k in COMBINATORS)) or (
                isinstance(instance, dict) and "fact" in str(error.schema)):
            return _explain_condition(error, where)
        best = _best_branch(error)
        if best is not None:
            return explain_schema_error(best)
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        if extra:
            return f"{where}：未知的键 {extra[0]!r}{nearest(extra[0], allowed)}"
    if error.validator == "enum":
        return f"{where}：取值 {instance!r} 不在允许范围内{nearest(str(instance), error.validator_value)}"
    return f"{where}：{error.message}"


def _best_branch(error: SchemaError) -> SchemaError | None:
    """The sub-error of the branch the author meant: the one not failing on a missing required key."""
    groups: dict[Any, list[SchemaError]] = {}
    for sub in error.context or []:
        groups.setdefault(sub.relative_schema_path[0], []).append(sub)
    meant = [errs for errs in groups.values() if not any(e.validator in ("required", "type") and
                                                         not e.relative_path for e in errs)]
    if meant:
        return sorted(meant[0], key=lambda e: -len(e.absolute_path))[0]
    return None


def _explain_condition(error: SchemaError, where: str) -> str:
    instance = error.instance
    if not isinstance(instance, dict):
        return f"{where}：条件应为对象（all/any/not/after/before 或 fact 加一个运算符），收到 {instance!r}"
    keys = list(instance)
    heads = [k for k in keys if k in COMBINATORS]
    if not heads:
        bad = keys[0] if keys else ""
        return (f"{where}：条件缺少 fact 或组合运算符（all/any/not/after/before），"
                f"未知的键 {bad!r}{nearest(bad, COMBINATORS)}")
    if heads[0] == "fact":
        unknown = [k for k in keys if k not in ("fact", *OPERATORS)]
        if unknown:
            return f"{where}：事实 {instance.get('fact')} 的运算符 {unknown[0]!r} 未知{nearest(unknown[0], OPERATORS)}"
        operators = [k for k in keys if k in OPERATORS and k != "absent"]
        if not operators:
            return f"{where}：事实 {instance.get('fact')} 缺少运算符（eq、in、is、at_least……之一）"
        if len(operators) > 1:
            return f"{where}：事实 {instance.get('fact')} 只能有一个运算符，收到 {'、'.join(operators)}"
    best = _best_branch(error)
    if best is not None and best is not error:
        inner = explain_schema_error(best)
        op = next((k for k in keys if k in OPERATORS or k in COMBINATORS), heads[0])
        return f"运算符 {op}：{inner}"
    return f"{where}：条件 {heads[0]} 的写法有误：{error.message[:200]}"


# --- name checks ---------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, pack_id: str, data: dict[str, Any], derived: dict[str, Any]):
        self.pack_id = pack_id
        self.data = data
        self.derived = derived
        self.paths = fact_paths(data)
        self.documents = [*CONTRACT_DOCUMENTS, *declared_documents(data)]
        self.bodies = [*BODIES, *(data.get("bodies") or {})]
        self.errors: list[str] = []

    def fail(self, place: str, text: str) -> None:
        self.errors.append(f"政策包 {self.pack_id}：{place}：{text}")

    # facts --------------------------------------------------------------------------------------
    def fact(self, place: str, path: str) -> dict[str, Any] | None:
        root, _, name = path.partition(".")
        if root == "derived":
            if name not in self.derived:
                self.fail(place, f"未知的派生事实 {path!r}{nearest(path, [f'derived.{d}' for d in self.derived])}")
            return None
        if path not in self.paths:
            self.fail(place, f"未知的事实 {path!r}{nearest(path, self.paths)}")
            return None
        return self.paths[path]

    def condition(self, place: str, cond: Any) -> None:
        if isinstance(cond, list):
            for sub in cond:
                self.condition(place, sub)
            return
        if not isinstance(cond, dict):
            return
        for key in ("all", "any"):
            if key in cond:
                self.condition(place, cond[key])
        if "not" in cond:
            self.condition(place, cond["not"])
        for key in ("after", "before"):
            if key in cond:
                self.date_spec(place, cond[key])
        if "fact" in cond:
            spec = self.fact(place, cond["fact"])
            self.threshold(place, cond)
            if spec is not None:
                self.values(place, cond, spec)

    def threshold(self, place: str, cond: dict[str, Any]) -> None:
        for op in ("at_least", "at_most", "over", "under"):
            arg = cond.get(op)
            if isinstance(arg, dict) and "times" in arg:
                self.fact(place, arg["times"])

    def date_spec(self, place: str, spec: Any) -> None:
        if not isinstance(spec, dict):
            return
        target = spec.get("date")
        for path in target.get("latest_of", []) if isinstance(target, dict) else [target] if target else []:
            self.fact(place, path)
        if "fact" in spec:
            self.fact(place, spec["fact"])
        add = spec.get("add_months")
        if isinstance(add, dict) and "times" in add:
            self.fact(place, add["times"])

    def values(self, place: str, cond: dict[str, Any], spec: dict[str, Any]) -> None:
        path = cond["fact"]
        allowed = spec.get("values")
        kind = spec.get("type")
        for op in VALUE_OPERATORS:
            if op not in cond:
                continue
            given = cond[op] if isinstance(cond[op], list) else [cond[op]]
            if kind == "bool":
                bad = [v for v in given if not isinstance(v, bool)]
                if bad:
                    self.fail(place, f"事实 {path} 是是/否事实，运算符 {op} 的取值 {bad[0]!r} "
                                     "应为 true 或 false（建议用 is）")
                continue
            if allowed is None:
                continue
            for value in given:
                if value not in allowed:
                    self.fail(place, f"事实 {path} 没有取值 {value!r}{nearest(value, allowed)}")
        if "is" in cond and kind not in ("bool", "any", None):
            self.fail(place, f"运算符 is 只用于是/否事实，{path} 的类型是 {kind}")

    # determinations ----------------------------------------------------------------------------
    def determination(self, name: str, spec: dict[str, Any]) -> None:
        place = f"判定 {name}"
        if name not in CONTRACT_DETERMINATIONS and "values" not in spec:
            hint = nearest(name, CONTRACT_DETERMINATIONS)
            if hint and difflib.SequenceMatcher(None, name, hint.split("：")[-1].rstrip("）")).ratio() >= 0.8:
                self.fail(place, f"未知的判定名称 {name!r}{hint}；本政策包自定义的判定须声明 values")
        if "skip_unless" in spec:
            self.condition(place, spec["skip_unless"])
        ids = [c.get("id") for c in spec.get("cases", [])]
        allowed = self.determination_values(name, spec)
        for case in spec.get("cases", []):
            here = f"判定 {name}/{case.get('id')}"
            self.condition(here, case.get("when"))
            self.value(here, name, case.get("value"), allowed, spec)
            for target in case.get("overrides", []):
                if target not in ids:
                    self.fail(here, f"overrides 指向不存在的分支 {target!r}{nearest(target, ids)}")
        if "otherwise" in spec:
            self.value(f"判定 {name}/otherwise", name, spec["otherwise"].get("value"), allowed, spec)
        for entry in spec.get("raise", []):
            self.condition(f"判定 {name}/raise", entry.get("when"))
            self.value(f"判定 {name}/raise", name, entry.get("value"), allowed, spec)

    def determination_values(self, name: str, spec: dict[str, Any]) -> list[Any] | None:
        own = declared_values(spec)
        if own is not None:
            return own
        if name in SCALAR_VALUES:
            return SCALAR_VALUES[name]
        if name in DOCUMENT_LISTS:
            return self.documents
        if name == "review_bodies":
            return self.bodies
        return None

    def value(self, place: str, name: str, value: Any, allowed: list[Any] | None, spec: dict[str, Any]) -> None:
        if isinstance(value, dict) and "compute" in value:
            if value["compute"] not in self.derived:
                self.fail(place, f"未知的计算值 {value['compute']!r}{nearest(value['compute'], self.derived)}")
            return
        items = value if isinstance(value, list) else [value]
        if allowed is None:
            if not all(isinstance(v, bool | int | float) for v in items) and name not in ("change_ratio",):
                self.fail(place, f"自定义判定 {name} 须在 values 中声明取值及中文名称（收到 {value!r}）")
            return
        for item in items:
            if item not in allowed:
                what = "材料代码" if name in DOCUMENT_LISTS else "审查主体" if name == "review_bodies" else "取值"
                self.fail(place, f"判定 {name} 的{what} {item!r} 未知{nearest(item, allowed)}")

    def documents_in(self, place: str, node: Any) -> None:
        """Document codes wherever a pack lists them (checklists, supervision, extension)."""
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("documents", "merged_documents") and isinstance(value, list):
                    for code in value:
                        if code not in self.documents:
                            self.fail(place, f"未知的材料代码 {code!r}{nearest(code, self.documents)}")
                elif key == "document" and isinstance(value, str) and value not in self.documents:
                    self.fail(place, f"未知的材料代码 {value!r}{nearest(value, self.documents)}")
                elif key == "bodies" and isinstance(value, list):
                    for body in value:
                        if body not in self.bodies:
                            self.fail(place, f"未知的审查主体 {body!r}{nearest(body, self.bodies)}")
                else:
                    self.documents_in(place, value)
        elif isinstance(node, list):
            for value in node:
                self.documents_in(place, value)

    # declarations -------------------------------------------------------------------------------
    def declarations(self) -> None:
        contract = contract_fact_paths()
        for path, spec in (self.data.get("facts") or {}).items():
            place = f"自定义事实 {path}"
            root, _, name = path.partition(".")
            if root not in ("project", "unit") or not name or "." in name:
                self.fail(place, "事实名称应为 project.名称 或 unit.名称（小写字母和下划线）")
            if path in contract:
                self.fail(place, "与事实模型中已有的事实同名，请直接使用该事实或改名")
            if spec.get("type") not in FACT_TYPES:
                self.fail(place, f"类型 {spec.get('type')!r} 未知{nearest(str(spec.get('type')), FACT_TYPES)}")
            if spec.get("type") in ("enum", "list") and not spec.get("values"):
                self.fail(place, f"类型 {spec.get('type')} 须列出 values（取值及中文名称）")
        missing = self.data.get("missing_articles") or []
        if missing and self.data.get("text_complete", True):
            self.fail("missing_articles", "列出了缺失条款，但 text_complete 不是 false")
        numbers = {a["number"] for a in self.data.get("articles", [])}
        for number in missing:
            if number in numbers:
                self.fail("missing_articles", f"第{number}条已在 articles 中，不能同时列为缺失")

    # the walk -----------------------------------------------------------------------------------
    def run(self) -> list[str]:
        data = self.data
        self.declarations()
        for index, case in enumerate(data.get("scope", {}).get("cases", [])):
            self.condition(f"适用范围 scope[{case.get('id', index)}]", case.get("when"))
        for rule in data.get("rules", []):
            place = f"规则 {rule.get('id')}"
            self.condition(place, rule.get("when"))
            if "exception" in rule:
                self.condition(f"{place} 例外", rule["exception"].get("when"))
        for name, spec in data.get("determinations", {}).items():
            self.determination(name, spec)
        codes = [d.get("code") for d in data.get("deadlines", [])]
        for deadline in data.get("deadlines", []):
            place = f"时限 {deadline.get('code')}"
            self.condition(place, deadline.get("when"))
            self.condition(place, deadline.get("met_if"))
            if isinstance(deadline.get("due"), dict):
                self.date_spec(place, deadline["due"])
            if isinstance(deadline.get("window"), dict):
                self.date_spec(place, deadline["window"])
        for key, field_name in (("acceptance_extension", "deadline"), ("self_evaluation", "window")):
            code = (data.get(key) or {}).get(field_name)
            if code is not None and code not in codes:
                self.fail(f"{key}.{field_name}", f"时限代码 {code!r} 未在 deadlines 中定义{nearest(code, codes)}")
        for stage in data.get("stages", []):
            self.documents_in(f"阶段 {stage.get('stage')}", stage)
            for entry in stage.get("decided_by", []):
                self.condition(f"阶段 {stage.get('stage')}", entry.get("when"))
        for section in ("checklists", "supervision_requirements", "acceptance_extension", "change_rules"):
            for name, spec in ((data.get(section) or {}).items() if section != "acceptance_extension"
                               else [("", data.get(section) or {})]):
                self.documents_in(f"{section}.{name}".rstrip("."), spec)
        return self.errors


def check_names(pack_id: str, data: dict[str, Any], derived: dict[str, Any]) -> list[str]:
    """Every naming mistake in the pack, each naming the pack, the place, the bad name and the nearest one."""
    return _Checker(pack_id, data, derived).run()

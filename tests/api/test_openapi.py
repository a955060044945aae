"""The OpenAPI document at /api/v1/openapi.json validates (openapi-spec-validator) and
openapi-python-client generates a client from it without a single warning."""

from __future__ import annotations

import compileall
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate

BIN = Path(sys.executable).parent


@pytest.fixture
def spec(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_validates(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_a_client_generates_without_warnings(spec: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "client"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(BIN / "openapi-python-client"), "generate", "--path", str(source),
                           "--output-path", str(out)], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "warning" not in output.lower(), output
    package = out / "govit_api_client"
    assert (package / "api").is_dir() and (package / "models").is_dir(), output
    assert compileall.compile_dir(str(package), quiet=1)


# --- typed bodies, names, lists ----------------------------------------------------------------

def _schema_of(spec: dict[str, Any], path: str, method: str, status: str = "200") -> dict[str, Any]:
    content = spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return spec["components"]["schemas"][content["$ref"].rsplit("/", 1)[1]]


def _ref(node: dict[str, Any]) -> str | None:
    for candidate in [node, *node.get("anyOf", []), *node.get("allOf", []), node.get("items", {})]:
        if "$ref" in candidate:
            return candidate["$ref"].rsplit("/", 1)[1]
    return None


def test_the_contract_bodies_are_schemas_not_open_maps(spec: dict[str, Any]) -> None:
    """Project facts, changes, citations, determinations, deadlines, events and next steps are schemas
    (policy-contract.md), so a generated client types them."""
    components = spec["components"]["schemas"]
    project_out = _schema_of(spec, "/api/v1/projects/{project_id}", "get")
    assert _ref(project_out["properties"]["facts"]) == "ProjectFacts"
    facts = components["ProjectFacts"]["properties"]
    assert {"category", "total_investment_wan", "funding_sources", "contains", "security", "dates"} <= set(facts)
    assert _ref(components["ProjectIn"]["properties"]["facts"]) == "ProjectFacts"
    assert _ref(components["ChangeIn"]["properties"]["change"]) == "Change"
    assert {"increase_wan", "decrease_wan", "basis"} <= set(components["Change"]["properties"])
    assert _ref(components["ChangeOut"]["properties"]["citations"]) == "CitationOut"
    assert _ref(components["EvaluationOut"]["properties"]["determinations"]) == "DeterminationsOut"
    determinations = components["DeterminationsOut"]["properties"]
    assert {"review_route", "approval_documents", "deadlines", "change_ratio", "in_scope"} <= set(determinations)
    assert {"due", "from", "until", "status", "code"} <= set(components["DeadlineDueOut"]["properties"])
    event = components["EventOut"]["properties"]
    assert (_ref(event["citations"]), _ref(event["evaluation"]), _ref(event["details"])) == (
        "CitationOut", "EventEvaluationOut", "EventDetailsOut")
    steps = components["NextStepsOut"]["properties"]
    assert (_ref(steps["steps"]), _ref(steps["deadlines"])) == ("NextStepOut", "DeadlineDueOut")
    assert "project_code" in components["ProjectIn"]["properties"] and "project_code" in project_out["required"]


def test_one_operation_id_style_and_ascii_tags(spec: dict[str, Any]) -> None:
    described = {tag["name"]: tag["description"] for tag in spec["tags"]}
    assert all(name.isascii() and any("\u4e00" <= ch <= "\u9fff" for ch in text) for name, text in described.items())
    for path, operations in spec["paths"].items():
        for _method, operation in operations.items():
            (tag,) = operation["tags"]
            assert tag in described, (path, tag)
            assert re.fullmatch(rf"{tag}_[a-z][a-z0-9_]*", operation["operationId"]), (path, operation["operationId"])


def test_every_list_pages_and_documents_its_errors(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {status for status in responses if int(status) >= 400}
            assert errors, (path, method)
            for status in errors:
                body = responses[status]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorOut"}, (path, status)
                assert "错误" in responses[status]["description"]
            ok = responses.get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
            assert ok.get("type") != "array", f"{method.upper()} {path} answers a bare list"
            if method == "get" and ok.get("$ref"):
                shape = spec["components"]["schemas"][ok["$ref"].rsplit("/", 1)[1]]
                if set(shape.get("properties", {})) >= {"count", "next", "items"}:
                    names = {p["name"] for p in operation.get("parameters", [])}
                    assert "limit" in names and ({"offset", "after"} & names), path


def test_the_generated_client_types_the_facts(spec: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([str(BIN / "openapi-python-client"), "generate", "--path", str(source), "--output-path",
                    str(tmp_path / "client")], capture_output=True, text=True, env=env, timeout=300, check=True)
    models = tmp_path / "client" / "govit_api_client" / "models"
    project_out = (models / "project_out.py").read_text(encoding="utf-8")
    assert "facts: ProjectFacts" in project_out and "project_code: str" in project_out
    facts = (models / "project_facts.py").read_text(encoding="utf-8")
    assert re.search(r"total_investment_wan: .*float", facts) and "dates: " in facts
    assert (models / "deadline_due_out.py").exists() and (models / "next_step_out.py").exists()

"""The OpenAPI document carries examples: every object schema has at least one, each example
validates against the pydantic model the schema is generated from, and every JSON request body
refers to a schema with examples.

Enum schemas (AccountKind, CaseState, Category, ViewerCondition) are exempt: their ``enum`` lists
every valid value, and FastAPI renders them from the domain's enums, which carry no examples;
the fields and parameters using them give one instead."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from byline.api import ApiSettings, MemoryLimiter, _problems, _schemas
from byline.policy import parse_policy
from byline.service import Services
from byline.service.access import Role, create_api_key
from byline.service.programme import Programme, wall_clock
from byline.service.wiring import open_database
from byline.vault import LocalKeyProvider, Vault
from byline.web import create_app

MODELS: dict[str, type[BaseModel]] = {
    name: model
    for module in (_schemas, _problems)
    for name, model in inspect.getmembers(module, inspect.isclass)
    if issubclass(model, BaseModel)
    and model.__module__ == module.__name__
    and not name.startswith("_")
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    root = tmp_path_factory.mktemp("openapi")
    db = open_database(f"sqlite:///{root / 'byline.db'}")
    provider = LocalKeyProvider.ephemeral()
    yield create_app(
        Services.of(Programme(db, Vault(provider), wall_clock, provider).deps),
        ApiSettings(log_requests=False, snapshot_dir=root),
        MemoryLimiter(),
    )
    db.dispose()


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def example_problems(schemas: dict[str, Any]) -> list[str]:
    """What is wrong with the examples of the object schemas; empty when nothing is."""
    problems = []
    for name, schema in sorted(schemas.items()):
        if "properties" not in schema:
            continue
        model = MODELS.get(name)
        if model is None:
            problems.append(f"{name}: no model of that name in api/_schemas.py or _problems.py")
            continue
        examples = schema.get("examples")
        if not isinstance(examples, list) or not examples:
            problems.append(f"{name}: no examples")
            continue
        for i, example in enumerate(examples):
            try:  # as the example would arrive on the wire
                model.model_validate_json(json.dumps(example))
            except ValidationError as exc:
                problems.append(f"{name}: example {i} is invalid: {exc}")
        if examples != model.model_json_schema().get("examples"):
            # FastAPI drops None values from examples (fastapi/fastapi#5559): the document
            # would show less than the model says.
            problems.append(f"{name}: the document's examples differ from the model's")
    return problems


def test_every_object_schema_has_examples_that_validate(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert sum("properties" in s for s in schemas.values()) >= 20  # the document is the real one
    assert example_problems(schemas) == []


def test_only_enum_schemas_go_without_examples(document: dict[str, Any]) -> None:
    bare = {
        name: schema
        for name, schema in document["components"]["schemas"].items()
        if "examples" not in schema
    }
    assert all(schema.get("type") == "string" and schema.get("enum") for schema in bare.values())
    assert set(bare) == {
        "AccountKind",
        "AppealDecisionReason",
        "AppealReason",
        "CaseState",
        "Category",
        "RefusalReason",
        "RejectionReason",
        "StaffReadReason",
        "ViewerCondition",
        "WithdrawalReason",
    }


def test_an_invalid_example_is_caught(document: dict[str, Any]) -> None:
    schemas = json.loads(json.dumps(document["components"]["schemas"]))
    schemas["LabelsIn"]["examples"] = [{"viewer": {"id": "v-1"}, "account_ids": []}]
    del schemas["RevealIn"]["examples"]
    problems = example_problems(schemas)
    assert {p.split(":")[0] for p in problems} == {"LabelsIn", "RevealIn"}
    assert any(p.startswith("LabelsIn: example 0 is invalid") for p in problems)
    assert "RevealIn: no examples" in problems


def test_every_json_request_body_refers_to_a_schema_with_examples(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    bodies = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            ref = content["application/json"]["schema"].get("$ref", "")
            name = ref.removeprefix("#/components/schemas/")
            bodies.append(f"{method.upper()} {path}")
            assert ref.startswith("#/components/schemas/"), f"{method} {path}: inline body schema"
            assert schemas[name].get("examples"), f"{method} {path}: {name} has no examples"
    assert len(bodies) >= 16, bodies


def test_every_model_has_examples_even_if_no_route_uses_it() -> None:
    assert {
        name: model
        for name, model in MODELS.items()
        if not model.model_json_schema().get("examples")
    } == {}


def test_the_example_policy_is_a_valid_policy_for_its_platform() -> None:
    policy = parse_policy(_schemas.EXAMPLE_POLICY, "the OpenAPI example")
    assert policy.id == "weibo"
    assert _schemas.ShadowIn.model_json_schema()["examples"][0]["source"] == (
        _schemas.EXAMPLE_POLICY
    )


def test_the_problem_examples_are_what_the_api_answers(app: FastAPI) -> None:
    key = create_api_key(
        app.state.byline.services.deps.db, "weibo", Role.LABEL, actor="test", now=wall_clock()
    )
    invalid, unknown_key = _problems.ProblemOut.model_json_schema()["examples"]
    viewer = {"id": "v-81231", "logged_in": True, "identity_verified": True}
    with TestClient(app) as client:
        answered = client.post(
            "/v1/platforms/weibo/labels",
            headers={"Authorization": f"Bearer {key}"},
            json={"viewer": {**viewer, "flags": ["blocked"]}, "account_ids": []},
        )
        assert answered.json() == invalid
        answered = client.post(
            "/v1/platforms/weibo/labels",
            headers={"Authorization": "Bearer no-such-key"},
            json={"viewer": viewer, "account_ids": ["weibo-000000344462"]},
        )
        assert answered.json() == unknown_key

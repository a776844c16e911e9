"""Settings: one class, the NHGRAPH_ prefix, no development secret in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nhgraph import config
from nhgraph.config import DEVELOPMENT_PASSWORD, Settings


def test_environment_variables_are_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHGRAPH_NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    monkeypatch.setenv("NHGRAPH_API_PORT", "9123")
    settings = Settings()
    assert settings.bolt_uri == "neo4j+s://example.databases.neo4j.io"
    assert settings.api_port == 9123
    assert not settings.manages_local_server


def test_without_a_uri_the_project_runs_its_own_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NHGRAPH_NEO4J_URI", raising=False)
    monkeypatch.setenv("NHGRAPH_NEO4J_BOLT_PORT", "7690")
    settings = Settings()
    assert settings.manages_local_server
    assert settings.bolt_uri == "bolt://127.0.0.1:7690"


def test_production_refuses_the_development_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHGRAPH_ENV", "production")
    monkeypatch.delenv("NHGRAPH_NEO4J_PASSWORD", raising=False)
    with pytest.raises(ValidationError, match="NHGRAPH_NEO4J_PASSWORD"):
        Settings()
    monkeypatch.setenv("NHGRAPH_NEO4J_PASSWORD", "a-real-secret-from-a-vault")
    assert Settings().env == "production"


def test_development_allows_the_default_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHGRAPH_ENV", "development")
    monkeypatch.delenv("NHGRAPH_NEO4J_PASSWORD", raising=False)
    assert Settings().neo4j_password.get_secret_value() == DEVELOPMENT_PASSWORD


def test_invalid_values_name_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHGRAPH_API_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="api_port"):
        Settings()


def test_no_settings_object_is_built_at_import() -> None:
    built = [value for value in vars(config).values() if isinstance(value, Settings)]
    assert built == []


def test_api_keys_are_read_as_json_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "NHGRAPH_API_KEYS",
        '{"k": {"name": "camden", "role": "integrator", "places": ["E09000007"]}}',
    )
    assert Settings().api_keys["k"].places == ["E09000007"]
    monkeypatch.setenv("NHGRAPH_API_KEYS", '{"k": {"name": "camden", "role": "integrator"}}')
    with pytest.raises(ValidationError, match="names no places"):
        Settings()
    monkeypatch.setenv("NHGRAPH_API_KEYS", '{"k": {"name": "x", "role": "superuser"}}')
    with pytest.raises(ValidationError, match="role"):
        Settings()


def test_production_refuses_short_api_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NHGRAPH_ENV", "production")
    monkeypatch.setenv("NHGRAPH_NEO4J_PASSWORD", "a-real-secret-from-a-vault")
    monkeypatch.setenv("NHGRAPH_API_KEYS", '{"short": {"name": "gov", "role": "governance"}}')
    with pytest.raises(ValidationError, match="gov are shorter than 24"):
        Settings()
    monkeypatch.setenv(
        "NHGRAPH_API_KEYS",
        '{"a-long-enough-key-0123456789": {"name": "gov", "role": "governance"}}',
    )
    settings = Settings()
    assert settings.introspection is False
    assert settings.error_detail is False

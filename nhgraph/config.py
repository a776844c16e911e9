"""Configuration, read from the environment (prefix ``NHGRAPH_``) or a ``.env`` file.

There is one settings class and no settings object is built at import time: commands and
tests call :func:`get_settings` (or build :class:`Settings` with overrides) when they start, so
that changing an environment variable between two runs in one process is seen.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nhgraph.errors import NhgraphError

#: The development password of the project's own Neo4j server. It is refused in production.
DEVELOPMENT_PASSWORD = "nhgraph-dev-password"


#: The checkout (or install) root: the folder that holds the ``nhgraph`` package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["development", "test", "production"]


class SettingsError(NhgraphError, ValueError):
    """A configuration that must not be used, with the variable to change named.

    A ``ValueError`` too, so that pydantic reports it as the field's validation error.
    """

    code = "settings"
    exit_code = 2


ApiRole = Literal["public", "integrator", "governance", "admin"]


class ApiKey(BaseModel):
    """Who holds an API key: a name for the audit trail, a role, and (for an integrator) the
    places whose map they may edit."""

    name: str = Field(min_length=1)
    role: ApiRole
    places: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _integrators_have_places(self) -> ApiKey:
        if self.role == "integrator" and not self.places:
            raise ValueError(f"the integrator key '{self.name}' names no places to edit")
        return self


class Settings(BaseSettings):
    """Every setting nhgraph reads, each one an ``NHGRAPH_<NAME>`` environment variable."""

    model_config = SettingsConfigDict(
        env_prefix="NHGRAPH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = "development"

    # Neo4j. With no URI, nhgraph runs its own server (``nhgraph neo4j start``) on
    # 127.0.0.1:<neo4j_bolt_port>; with a URI it uses that server and starts nothing.
    neo4j_uri: str | None = Field(
        default=None,
        description="Bolt URI of an existing Neo4j (bolt://, neo4j://, neo4j+s://...).",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr(DEVELOPMENT_PASSWORD)
    neo4j_database: str = "neo4j"
    neo4j_retry_seconds: float = Field(
        default=15.0, ge=0, description="How long a transaction is retried on transient errors."
    )

    # The project's own server (used only when neo4j_uri is not set).
    neo4j_bolt_port: int = Field(default=7687, ge=1, le=65535)
    neo4j_scheme: Literal["bolt", "neo4j"] = Field(
        default="bolt",
        description=(
            "How the driver reaches the project's own server: `bolt` (direct) or `neo4j` "
            "(routed: reads go to the server's readers, as they would in a cluster)."
        ),
    )
    neo4j_http_port: int | None = Field(
        default=None, ge=1, le=65535, description="Neo4j HTTP port; HTTP is off when unset."
    )
    neo4j_home: Path = PROJECT_ROOT / "var" / "neo4j"
    neo4j_lib: Path = PROJECT_ROOT / "neo4j" / "target" / "lib"
    neo4j_heap: str = "512m"
    neo4j_pagecache: str = "256m"
    neo4j_start_timeout: float = Field(default=120.0, gt=0)
    java: str = Field(default="java", description="The java executable (17 or 21).")

    # The API.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_keys: dict[str, ApiKey] = Field(
        default_factory=dict,
        description=(
            "API keys (sent as `Authorization: Bearer KEY` or `X-API-Key: KEY`) and who holds "
            'them, as JSON: {"KEY": {"name": "camden-integrator", "role": "integrator", '
            '"places": ["E09000007"]}}. A request without a key is public.'
        ),
    )
    api_max_depth: int = Field(default=8, ge=2, description="Deepest selection a query may nest.")
    api_max_aliases: int = Field(default=20, ge=1, description="Aliases one query may use.")
    api_max_tokens: int = Field(default=2000, ge=50, description="Tokens one query may hold.")
    api_max_cost: int = Field(
        default=5000, ge=10, description="Estimated items one query may ask for (see cost.py)."
    )
    api_max_page_size: int = Field(default=100, ge=1, le=1000)
    api_introspection: bool | None = Field(
        default=None, description="Schema introspection; off in production unless set."
    )
    api_error_detail: bool | None = Field(
        default=None,
        description="Internal error messages in responses; off in production unless set.",
    )
    api_request_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="The time budget of one API request: past it, the request is answered "
        "REQUEST_TOO_SLOW and Neo4j ends its transactions.",
    )
    api_compiled: bool = Field(
        default=True,
        description="Answer queries the compiler covers with one Cypher statement (see "
        "nhgraph/graphql/compiled.py); off, the resolvers answer every query.",
    )
    api_cache_entries: int = Field(
        default=0,
        ge=0,
        le=1_000_000,
        description="Answers the response cache keeps (0: no cache); every committed write "
        "invalidates them.",
    )
    api_cache_max_mb: int = Field(
        default=256,
        ge=1,
        le=100_000,
        description="Megabytes of answers the response cache keeps at most (an answer over a "
        "sixteenth of it is not kept).",
    )
    api_cache_recheck_seconds: float = Field(
        default=0.0,
        ge=0,
        le=60,
        description="How long one read of the graph's version serves the response cache "
        "(0: every request reads it). A write by another process is seen at most this much "
        "later; the API's own edits are seen at once.",
    )
    api_max_body_bytes: int = Field(
        default=1_000_000,
        ge=1_000,
        description="Largest request body the API reads; a larger one is answered 413.",
    )
    api_persisted_dir: Path | None = Field(
        default=None,
        description="A folder of the deployment's own persisted operations: every *.graphql "
        "file in it (one named operation each) is registered beside the project's at start-up, "
        "and a file that does not parse or validate stops the start.",
    )
    api_persisted_only: bool = Field(
        default=False,
        description="Accept only registered documents (sent by their SHA-256, or as text whose "
        "SHA-256 is registered); any other is refused PERSISTED_QUERY_REQUIRED unparsed.",
    )

    # The web app (served at /).
    web_tile_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s\"'<>]+\{z\}[^\s\"'<>]*$",
        description="A raster tile URL template ({z}/{x}/{y}) drawn under the map's own "
        "boundaries; off by default, so the app fetches nothing from elsewhere.",
    )
    web_tile_attribution: str = Field(
        default="", max_length=200, description="The attribution the tile provider requires."
    )

    # Data.
    data_dir: Path = PROJECT_ROOT / "data"
    reference_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "reference",
        description="The folder `nhgraph load reference` reads: the shipped London extracts "
        "(london_*.csv), or a folder of England's files (england_*.csv; see README, England).",
    )
    reference_regions: str = Field(
        default="E12000007",
        pattern=r"^\s*(all|ALL|All|E1200000[1-9](\s*,\s*E1200000[1-9])*)\s*$",
        description="The ONS regions `nhgraph load reference` keeps: 'all' (every region of "
        "England) or codes separated by commas; London (E12000007) by default. A folder of "
        "London's extracts holds London only.",
    )
    input_max_mb: int = Field(
        default=100,
        ge=1,
        description="Largest file an importer reads whole (YAML, JSON, CSV, GeoJSON, Turtle).",
    )
    hsds_max_records: int = Field(
        default=50_000,
        ge=1,
        description="Most records (services, organisations, terms) one HSDS feed may hold.",
    )
    postcode_file_max_mb: int = Field(
        default=4096, ge=1, description="Largest postcode directory file (read as a stream)."
    )
    history_retention_days: int | None = Field(
        default=None,
        ge=1,
        description=(
            "How many days of change sets the graph keeps (`nhgraph history prune` drops "
            "older ones); unset keeps all."
        ),
    )
    as_at_max_changes: int = Field(
        default=20_000,
        ge=1,
        description=(
            "Most recorded changes an asAt question may undo to see the graph as it stood: a "
            "moment further back is refused, so no query makes the server rewrite the graph."
        ),
    )
    stage_min_nodes: int = Field(
        default=1000,
        ge=0,
        description=(
            "A load creating at least this many nodes writes them first in small committed "
            "transactions, unseen (label NhgStaged), and its one transaction then adopts them "
            "with the rest of the release: England's load does not hold England in one "
            "transaction's memory. 0 stages every load."
        ),
    )
    stage_sweep_seconds: float = Field(
        default=3600.0,
        ge=0,
        description=(
            "A load removes the staged nodes of loads that were stopped (killed) before they "
            "switched, once they are this old: a load running meanwhile keeps its own."
        ),
    )
    max_removal_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description=(
            "Largest share of a source's stored records a reload may remove without "
            "--allow-removals (a file cut short at a record boundary is still valid YAML)."
        ),
    )

    # Validation status kept in the graph (`nhgraph validate --stored --save`, and each load).
    validation_max_findings: int = Field(
        default=5000,
        ge=0,
        description="Findings one saved validation run keeps (Violations first); the rest "
        "are counted on the run, not stored.",
    )

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> Settings:
        if self.env == "production" and (
            self.neo4j_password.get_secret_value() == DEVELOPMENT_PASSWORD
        ):
            raise SettingsError(
                "NHGRAPH_NEO4J_PASSWORD is the development default, which is refused when "
                "NHGRAPH_ENV=production: set a password of your own"
            )
        if self.env == "production":
            short = [key.name for secret, key in self.api_keys.items() if len(secret) < 24]
            if short:
                raise SettingsError(
                    f"NHGRAPH_API_KEYS: the keys of {', '.join(short)} are shorter than 24 "
                    "characters, which is refused when NHGRAPH_ENV=production"
                )
        return self

    @property
    def introspection(self) -> bool:
        """Introspection as configured; by default on everywhere but production."""
        if self.api_introspection is None:
            return self.env != "production"
        return self.api_introspection

    @property
    def error_detail(self) -> bool:
        """Internal error messages in responses; by default on everywhere but production."""
        if self.api_error_detail is None:
            return self.env != "production"
        return self.api_error_detail

    @property
    def manages_local_server(self) -> bool:
        """True when nhgraph runs its own Neo4j rather than using one at NHGRAPH_NEO4J_URI."""
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        """The URI the driver connects to: the configured one, or the project's own server."""
        return self.neo4j_uri or f"{self.neo4j_scheme}://127.0.0.1:{self.neo4j_bolt_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once on first use (not at import)."""
    return Settings()

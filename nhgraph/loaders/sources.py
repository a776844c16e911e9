"""What every reference loader returns, and the registry that names them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nhgraph.loaders.errors import InputError, Problem
from nhgraph.loaders.reference import Reference
from nhgraph.schema.models import Node
from nhgraph.schema.problems import describe


@dataclass
class SourceData:
    """The models read from one source, what was left out and why, and the problems found."""

    name: str
    version: str
    models: list[Node] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    #: (label, id) -> the file a record was read from, where a source of many files knows it.
    files: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, cls: type[Node], path: Path, line: int, values: dict[str, Any]) -> None:
        """Build one model; a refusal becomes a problem naming the file, line and field."""
        try:
            self.models.append(cls(**values, source=self.name, source_version=self.version))
        except ValidationError as error:
            for refused in describe(error):
                where = refused.field or cls.__name__
                self.problems.append(
                    Problem(str(path), line, f"{cls.__name__} {where}", refused.text)
                )

    def check(self) -> SourceData:
        """The source, or an InputError listing every problem its files had."""
        if self.problems:
            raise InputError(self.problems, unreadable=False)
        return self


#: A reference loader reads a Reference (a folder and the regions to keep); a bare folder is
#: London's shipped extracts.
Loader = Callable[[Path | Reference], SourceData]
LOADERS: dict[str, Loader] = {}


def register(name: str) -> Callable[[Loader], Loader]:
    """Register a reference loader under the name `nhgraph load` knows it by."""

    def decorate(loader: Loader) -> Loader:
        LOADERS[name] = loader
        return loader

    return decorate

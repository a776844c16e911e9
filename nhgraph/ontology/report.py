"""What SHACL found, as users read it: pyshacl's report graph read into results by rule.

A result is named by the rule (the shape, or its named SPARQL constraint) and the node (id and
name), with the path, the value and the message; the report renders as text, JSON or the SHACL
validation report graph in Turtle. The field names follow the ``sh:`` terms they are read from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH
from rdflib.term import Node as RdfNode

from nhgraph.ontology.namespaces import CONCEPT, ID, NHG, PREFIXES, SHAPE
from nhgraph.ontology.shapes import ShapesError


@dataclass(frozen=True)
class ValidationResult:
    """One broken rule at one node."""

    rule: str
    severity: str
    focus_node: str
    focus_id: str | None
    focus_name: str | None
    path: str | None
    value: str | None
    message: str
    constraint: str


@dataclass
class ValidationReport:
    """What SHACL found, grouped by rule; ``graph`` is the SHACL validation report graph."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph | None = None

    @property
    def violations(self) -> list[ValidationResult]:
        """The results that are Violations: any one of them means the data does not conform."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        """The results that are Warnings, which are reported but let the data conform."""
        return [r for r in self.results if r.severity == "Warning"]

    def by_rule(self) -> dict[str, list[ValidationResult]]:
        """The results grouped by rule, Violations' rules first, then by rule name."""
        grouped: dict[str, list[ValidationResult]] = defaultdict(list)
        for result in sorted(self.results, key=lambda r: (r.severity != "Violation", r.rule)):
            grouped[result.rule].append(result)
        return dict(grouped)

    def to_json(self) -> str:
        """The report as JSON: whether it conforms, the counts, and every result by rule."""
        return json.dumps(
            {
                "conforms": self.conforms,
                "violations": len(self.violations),
                "warnings": len(self.warnings),
                "rules": {
                    rule: [asdict(r) for r in results] for rule, results in self.by_rule().items()
                },
            },
            indent=2,
        )

    def to_text(self) -> str:
        """The report as a person reads it: the verdict and counts, then each rule's results, naming
        the node, path and value."""
        if not self.results:
            return "conforms: no violations, no warnings"
        lines = [
            f"{'conforms' if self.conforms else 'does NOT conform'}: "
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        ]
        for rule, results in self.by_rule().items():
            lines.append(f"\n{results[0].severity} {rule} ({len(results)})")
            for r in results:
                who = r.focus_id or r.focus_node
                if r.focus_name:
                    who += f" ({r.focus_name})"
                detail = f" {r.path}" if r.path else ""
                if r.value is not None:
                    detail += f" = {r.value}"
                lines.append(f"  {who}{detail}: {r.message}")
        return "\n".join(lines)

    def to_turtle(self) -> str:
        """The report as pyshacl's SHACL report graph in Turtle, for tools that read SHACL."""
        assert self.graph is not None
        text: str = self.graph.serialize(format="turtle")
        return text


def run_pyshacl(
    graph: Graph,
    shapes: Graph,
    use_shapes: list[str] | None = None,
    focus_nodes: Sequence[URIRef] | None = None,
) -> Graph:
    """The report graph pyshacl gives for the data graph against the shapes, as nhgraph runs it:
    no inference, every result, warnings allowed; with ``focus_nodes``, only those of the
    shapes' targets are judged (pyshacl filters each shape's targets by them)."""
    _, report_graph, _ = pyshacl_validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
        use_shapes=use_shapes,
        focus_nodes=[str(node) for node in focus_nodes] if focus_nodes else None,
    )
    if not isinstance(report_graph, Graph):  # pyshacl returns its failure in place of a report
        raise ShapesError(f"the shapes could not be applied: {report_graph}")
    return report_graph


def local_name(node: object) -> str:
    """A term as a report shows it: ``nhgsh:`` and ``nhg:`` prefixed, instances by their
    path under ``nhgid:`` (``int/camden-int-1``)."""
    text = str(node)
    for prefix, namespace in (("nhgsh:", str(SHAPE)), ("nhg:", str(NHG)), ("", str(ID))):
        if text.startswith(namespace):
            return prefix + text[len(namespace) :]
    return text


def _path_text(report: Graph, path: RdfNode | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return _compact(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_compact(inverse)}"
    items = list(report.items(path))
    if items:
        return "/".join(_compact(i) for i in items)
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_compact(i) for i in report.items(alternatives))
    return str(path)


def _compact(term: object) -> str:
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(str(namespace)):
            return f"{prefix}:{text[len(str(namespace)) :]}"
    return text


def _rule_name(shapes: Graph, source: RdfNode | None) -> str:
    """Name a result by its shape; a blank property shape is named by its node shape and path."""
    if isinstance(source, URIRef):
        return local_name(source)
    parent = next(shapes.subjects(SH.property, source), None)
    path = _path_text(shapes, shapes.value(source, SH.path))
    return f"{local_name(parent) if parent is not None else 'shape'}[{path}]"


def _value_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Literal):
        return str(value)
    return local_name(value)


def read_report(report: Graph, data: Graph, shapes: Graph) -> list[ValidationResult]:
    """The results of a SHACL report graph, each named by its rule and its node's id and
    name (read from the data), sorted by rule and node."""
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        source = report.value(node, SH.sourceShape)
        constraint = report.value(node, SH.sourceConstraint)
        if source is not None and (not isinstance(constraint, URIRef) or constraint == source):
            # Engines differ in reporting sh:sourceConstraint; a shape with one named SPARQL
            # constraint is named after that constraint either way.
            sparql = list(shapes.objects(source, SH.sparql))
            if len(sparql) == 1:
                constraint = sparql[0]
        if isinstance(constraint, URIRef):  # a named SPARQL constraint is the rule itself
            source = constraint
        messages = [
            str(m).replace(str(ID), "").replace(str(CONCEPT), "")
            for m in report.objects(node, SH.resultMessage)
        ]
        focus_id = data.value(focus, DCTERMS.identifier) if focus is not None else None
        focus_name = data.value(focus, RDFS.label) if focus is not None else None
        results.append(
            ValidationResult(
                rule=_rule_name(shapes, source),
                severity=local_name(severity).split("#")[-1]
                if severity is not None
                else "Violation",
                focus_node=local_name(focus),
                focus_id=str(focus_id) if focus_id is not None else None,
                focus_name=str(focus_name) if focus_name is not None else None,
                path=_path_text(report, report.value(node, SH.resultPath)),
                value=_value_text(report.value(node, SH.value)),
                message="; ".join(messages)
                or local_name(report.value(node, SH.sourceConstraintComponent)),
                constraint=local_name(report.value(node, SH.sourceConstraintComponent)).split("#")[
                    -1
                ],
            )
        )
    results.sort(key=lambda r: (r.rule, r.focus_node, r.value or ""))
    return results

"""The shape of a document, measured in time linear in its size: depth, aliases, and how many
times one field is selected at one place of the answer.

A fragment may be spread many times, and each spread may spread others: 21 fragments that
each spread the next twice stand for two million fields in 862 bytes. Walking every spread
(as strawberry's depth and alias limits do) takes time that doubles with each fragment, so
here each fragment is measured once and its measure reused wherever it is spread.

Repeats matter because graphql-core's check that fields can be merged compares every pair of
fields selected at one place of the answer, and the pairs under them: twenty ``ints``, each
with twenty ``neighbourhoods``, took over a second to validate in 9 KB. Refusing more than a
few selections of one field at one place, counting those that fragments bring, bounds that
work before graphql-core is asked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

#: The most times one field may be selected at one place of the answer (``places.nodes.id``
#: asked directly and by three fragments is four). Pairs of them are compared when validating.
MAX_REPEATS = 10

Path = tuple[str, ...]


@dataclass(frozen=True)
class Shape:
    """What a selection stands for once its fragments are spread: how many fields are
    selected at each place of the answer (a path of response names), and how many aliases."""

    paths: Counter[Path]
    aliases: int


class _Measure:
    """Measures selection sets, each named fragment once (its shape is reused)."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, Shape] = {}
        self.measuring: set[str] = set()

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:
            return Shape(Counter(), 0)  # unknown or cyclic: validation reports those
        self.measuring.add(name)
        shape = self.memo[name] = self.selection(definition.selection_set)
        self.measuring.discard(name)
        return shape

    def selection(self, selection_set: SelectionSetNode | None) -> Shape:
        paths: Counter[Path] = Counter()
        aliases = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                if selection.name.value.startswith("__") and selection.selection_set:
                    # Introspection is not counted (strawberry's depth limit ignores it too);
                    # it is off in production and its depth is the schema's, not the caller's.
                    continue
                aliases += selection.alias is not None
                paths[(name,)] += 1
                inner = self.selection(selection.selection_set)
                aliases += inner.aliases
                for path, count in inner.paths.items():
                    paths[(name, *path)] += count
            else:
                inner = (
                    self.fragment(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else self.selection(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else Shape(Counter(), 0)
                )
                paths.update(inner.paths)
                aliases += inner.aliases
        return Shape(paths, aliases)


def shape_errors(
    document: DocumentNode, max_depth: int, max_aliases: int, max_repeats: int = MAX_REPEATS
) -> list[GraphQLError]:
    """The document's breaches of the depth, alias and repeat limits (empty when it keeps
    them), found in one pass over each operation and each fragment."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measure = _Measure(fragments)
    errors: list[GraphQLError] = []
    aliases = 0
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        label = operation.name.value if operation.name else "anonymous"
        shape = measure.selection(operation.selection_set)
        aliases += shape.aliases
        # A path of n response names is n fields deep; the depth counts the fields that
        # have a selection of their own, as strawberry's limit did (``{ about { name } }`` is 1).
        depth = max((len(path) - 1 for path in shape.paths), default=0)
        if depth > max_depth:
            errors.append(
                GraphQLError(
                    f"'{label}' exceeds maximum operation depth of {max_depth}",
                    [operation],
                    extensions={"code": "QUERY_TOO_DEEP", "depth": depth, "limit": max_depth},
                )
            )
        repeated = [(p, n) for p, n in shape.paths.items() if n > max_repeats]
        if repeated:
            path, count = max(repeated, key=lambda item: item[1])
            errors.append(
                GraphQLError(
                    f"'{'.'.join(path)}' is selected {count} times at one place of the answer "
                    f"(counting fragments), more than the {max_repeats} allowed",
                    [operation],
                    extensions={"code": "QUERY_TOO_REPETITIVE", "count": count},
                )
            )
    if aliases > max_aliases:
        errors.append(
            GraphQLError(
                f"{aliases} aliases found. Allowed: {max_aliases}",
                extensions={"code": "TOO_MANY_ALIASES", "aliases": aliases, "limit": max_aliases},
            )
        )
    return errors

"""The geography of the model: regions, systems, places, LSOAs, postcodes and neighbourhoods.

The classes official codes identify (ONS E12, E54/ICB, E09, E01; postcodes), and the
neighbourhoods that integrators draw over them.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from nhgraph.schema.bounds import (
    BOUNDARY_MAX,
    LIST_MAX,
    POPULATION_MAX,
    Latitude,
    Longitude,
    Name,
)
from nhgraph.schema.identifiers import (
    IcbCode,
    IcbOnsCode,
    LsoaCode,
    MsoaCode,
    PlaceCode,
    Postcode,
    RegionCode,
    Slug,
)
from nhgraph.schema.node import Node, link
from nhgraph.schema.vocabulary import (
    CohortCode,
)


class Region(Node):
    """An English region (ONS E12), such as London (E12000007)."""

    iri_segment: ClassVar[str] = "region"
    file_key: ClassVar[str | None] = "regions"
    is_hub: ClassVar[bool] = True

    id: RegionCode
    name: Name


class System(Node):
    """An integrated care system, identified by its ICB's ODS code (QMJ) and ONS code (E54)."""

    iri_segment: ClassVar[str] = "system"
    file_key: ClassVar[str | None] = "systems"
    is_hub: ClassVar[bool] = True

    id: IcbCode
    ons_code: IcbOnsCode
    name: Name
    #: The ONS regions its LSOAs are in: most systems lie in one, four of England's 42 reach
    #: into a second (North East and North Cumbria, for one, into the North West).
    regions: Annotated[list[RegionCode], link("Region", "IN_REGION")] = Field(
        min_length=1, max_length=LIST_MAX
    )


class Place(Node):
    """A place: a local authority district (ONS E06-E09; London's boroughs are E09), part of
    the systems its LSOAs are in.

    Most places lie in one system; 12 of England's 296 are split across two (North Yorkshire,
    Buckinghamshire, ...), so ``systems`` lists every one, largest share first. Which system a
    resident's LSOA is in is the LSOA's ``system``.
    """

    iri_segment: ClassVar[str] = "place"
    file_key: ClassVar[str | None] = "places"
    is_hub: ClassVar[bool] = True

    id: PlaceCode
    name: Name
    systems: Annotated[list[IcbCode], link("System", "PART_OF")] = Field(
        min_length=1, max_length=LIST_MAX
    )


class Lsoa(Node):
    """A 2021 lower layer super output area (ONS E01), in one place."""

    iri_segment: ClassVar[str] = "lsoa"
    file_key: ClassVar[str | None] = "lsoas"

    id: LsoaCode
    name: Name
    place: Annotated[PlaceCode, link("Place", "IN_PLACE")]
    #: The system (ICB) the LSOA is in, from ONS's LSOA to sub-ICB to ICB lookup: where a place
    #: is split across systems, this says which side an LSOA is on. None where the source
    #: gives no lookup (the place's one system is then the LSOA's).
    system: Annotated[IcbCode | None, link("System", "IN_SYSTEM")] = None
    msoa: MsoaCode | None = None
    population: int | None = Field(default=None, ge=0, le=POPULATION_MAX)
    imd_decile: int | None = Field(
        default=None, ge=1, le=10, description="Index of Multiple Deprivation decile (1 = most)."
    )
    boundary: str | None = Field(
        max_length=BOUNDARY_MAX,
        default=None,
        description="The ONS boundary (generalised, clipped) as GeoJSON geometry.",
    )
    min_latitude: Latitude | None = None
    max_latitude: Latitude | None = None
    min_longitude: Longitude | None = None
    max_longitude: Longitude | None = None


class PostcodeUnit(Node):
    """A postcode, looked up to its LSOA. (Named PostcodeUnit in Python: Postcode is its type.)"""

    iri_segment: ClassVar[str] = "postcode"
    file_key: ClassVar[str | None] = "postcodes"

    node_label: ClassVar[str] = "Postcode"

    id: Postcode
    lsoa: Annotated[LsoaCode, link("Lsoa", "IN_LSOA")]
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class Neighbourhood(Node):
    """A footprint agreed by a place partnership: a set of LSOAs in one place."""

    iri_segment: ClassVar[str] = "neighbourhood"
    file_key: ClassVar[str | None] = "neighbourhoods"

    id: Slug
    name: Name
    place: Annotated[PlaceCode, link("Place", "IN_PLACE")]
    lsoas: Annotated[list[LsoaCode], link("Lsoa", "COVERS")] = Field(
        min_length=1, max_length=LIST_MAX
    )
    priorities: Annotated[list[CohortCode], link("Cohort", "PRIORITISES")] = Field(
        default_factory=list, max_length=LIST_MAX
    )

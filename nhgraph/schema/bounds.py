"""The size and domain of the models' free text, lists, counts and coordinates.

A record comes from a file or an API edit anyone may write, so every string, list and number a
model holds has a bound here, named once: a 50 MB service name, a list of 20,000 codes or a
population beyond a 64-bit integer is refused where it enters, naming the field, instead of
reaching Neo4j (or failing there, at commit).
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

#: Characters in a name (of a place, team, service, organisation, agreement, person).
NAME_MAX: Final = 300
#: Characters in a short code-like text: a phone number, a dataset's version.
SHORT_MAX: Final = 100
#: Characters in a web address.
URL_MAX: Final = 2_000
#: Characters in an LSOA boundary as GeoJSON (London's largest is about 5,000).
BOUNDARY_MAX: Final = 1_000_000
#: Ids one record may list (LSOAs of a neighbourhood or service, parties, sites, places...).
LIST_MAX: Final = 5_000
#: Entries of a short list a person types (opening hours, channels).
SHORT_LIST_MAX: Final = 50
#: Residents of one LSOA (they hold about 1,500; none comes near this).
POPULATION_MAX: Final = 100_000

Name = Annotated[str, Field(max_length=NAME_MAX)]
ShortText = Annotated[str, Field(max_length=SHORT_MAX)]
Url = Annotated[str, Field(max_length=URL_MAX)]
#: Latitude and longitude within Great Britain and its islands, as finite numbers.
Latitude = Annotated[float, Field(ge=49.0, le=61.0, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-9.0, le=2.5, allow_inf_nan=False)]

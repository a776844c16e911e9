// name: lsoas_in_no_neighbourhood
// purpose: Gaps: LSOAs that no neighbourhood footprint covers, with their population and deprivation, in one place or all ($place null).
// parameters: place
// columns: place, place_name, lsoa, lsoa_name, population, imd_decile
// kind: gap
// subject: lsoa, lsoa_name
MATCH (l:Lsoa)-[:IN_PLACE]->(p:Place)
WHERE ($place IS NULL OR p.id = $place) AND NOT (l)<-[:COVERS]-(:Neighbourhood)
RETURN p.id AS place, p.name AS place_name, l.id AS lsoa, l.name AS lsoa_name,
       l.population AS population, l.imd_decile AS imd_decile
ORDER BY imd_decile, population DESC

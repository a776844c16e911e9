// name: lsoas_in_several_neighbourhoods
// purpose: Overlaps: LSOAs covered by more than one neighbourhood, with the neighbourhoods, in one place or all ($place null).
// parameters: place
// columns: place, lsoa, lsoa_name, neighbourhoods, population, imd_decile
// kind: overlap
// subject: lsoa, lsoa_name
MATCH (n:Neighbourhood)-[:COVERS]->(l:Lsoa)-[:IN_PLACE]->(p:Place)
WHERE $place IS NULL OR p.id = $place
WITH p, l, collect(n.id) AS neighbourhoods
WHERE size(neighbourhoods) > 1
RETURN p.id AS place, l.id AS lsoa, l.name AS lsoa_name, neighbourhoods,
       l.population AS population, l.imd_decile AS imd_decile
ORDER BY place, lsoa

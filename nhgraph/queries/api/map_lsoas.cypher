// name: map_lsoas
// purpose: The map's layer: every LSOA with its boundary (GeoJSON text), place, population, deprivation decile and the neighbourhoods whose footprints cover it (none for a gap, several for an overlap), in code order, for the web app's map.
// parameters: none
// columns: id, name, place, place_name, population, imd_decile, boundary, neighbourhoods
MATCH (l:Lsoa)
OPTIONAL MATCH (l)-[:IN_PLACE]->(p:Place)
RETURN l.id AS id, l.name AS name, p.id AS place, p.name AS place_name,
       l.population AS population, l.imd_decile AS imd_decile, l.boundary AS boundary,
       COLLECT { MATCH (n:Neighbourhood)-[:COVERS]->(l) RETURN n.id ORDER BY n.id } AS neighbourhoods
ORDER BY id

// name: map_lsoas
// purpose: The map's layer: every LSOA with its content hash (which changes with its boundary), place, population, deprivation decile and the neighbourhoods whose footprints cover it (none for a gap, several for an overlap), in code order; boundaries are read apart, only where the hash changed (map_lsoa_boundaries).
// parameters: none
// columns: id, hash, name, place, place_name, population, imd_decile, neighbourhoods
MATCH (l:Lsoa)
OPTIONAL MATCH (l)-[:IN_PLACE]->(p:Place)
RETURN l.id AS id, l.content_hash AS hash, l.name AS name, p.id AS place, p.name AS place_name,
       l.population AS population, l.imd_decile AS imd_decile,
       COLLECT { MATCH (n:Neighbourhood)-[:COVERS]->(l) RETURN n.id ORDER BY n.id } AS neighbourhoods
ORDER BY id

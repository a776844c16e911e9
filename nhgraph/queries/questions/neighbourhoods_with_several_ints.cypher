// name: neighbourhoods_with_several_ints
// purpose: Overlaps: neighbourhoods served by more than one INT, with the INTs and the residents affected, in one place or all ($place null).
// parameters: place
// columns: place, neighbourhood, name, ints, population, most_deprived_decile
// kind: overlap
// subject: neighbourhood, name
MATCH (i:Int)-[:SERVES]->(n:Neighbourhood)-[:IN_PLACE]->(p:Place)
WHERE $place IS NULL OR p.id = $place
WITH p, n, i ORDER BY i.id
WITH p, n, collect(i.id) AS ints
WHERE size(ints) > 1
CALL (n) {
  OPTIONAL MATCH (n)-[:COVERS]->(l:Lsoa)
  RETURN sum(l.population) AS population, min(l.imd_decile) AS most_deprived_decile
}
RETURN p.id AS place, n.id AS neighbourhood, n.name AS name, ints,
       population, most_deprived_decile
ORDER BY place, neighbourhood

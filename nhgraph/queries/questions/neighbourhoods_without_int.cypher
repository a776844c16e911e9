// name: neighbourhoods_without_int
// purpose: Gaps: neighbourhoods that no INT serves, with the residents and the most deprived decile they hold.
// parameters: place
// columns: place, neighbourhood, name, population, most_deprived_decile
// kind: gap
// subject: neighbourhood, name
MATCH (n:Neighbourhood)-[:IN_PLACE]->(p:Place)
WHERE ($place IS NULL OR p.id = $place) AND NOT (n)<-[:SERVES]-(:Int)
OPTIONAL MATCH (n)-[:COVERS]->(l:Lsoa)
RETURN p.id AS place, n.id AS neighbourhood, n.name AS name,
       sum(l.population) AS population, min(l.imd_decile) AS most_deprived_decile
ORDER BY population DESC

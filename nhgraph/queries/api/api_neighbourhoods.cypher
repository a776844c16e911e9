// name: api_neighbourhoods
// purpose: API loader: neighbourhoods by id with their place, the LSOAs they cover, the INTs that serve them, their priority cohorts and their population.
// parameters: ids
// columns: id, node, place, lsoas, ints, priorities, population
UNWIND $ids AS id
MATCH (n:Neighbourhood {id: id})
OPTIONAL MATCH (n)-[:IN_PLACE]->(p:Place)
CALL (n) {
  OPTIONAL MATCH (n)-[:COVERS]->(l:Lsoa)
  WITH l ORDER BY l.id
  RETURN collect(l.id) AS lsoas, sum(l.population) AS population
}
RETURN n.id AS id, n {.id, .name, .illustrative, .source} AS node, p.id AS place, lsoas,
       COLLECT { MATCH (i:Int)-[:SERVES]->(n) RETURN i.id ORDER BY i.id } AS ints,
       COLLECT { MATCH (n)-[:PRIORITISES]->(c:Cohort) RETURN c.id ORDER BY c.id } AS priorities,
       population

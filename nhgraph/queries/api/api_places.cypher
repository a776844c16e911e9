// name: api_places
// purpose: API loader: places by id with their system, neighbourhoods, INTs, the integrator appointed on the day $on, and LSOA count and population. Rows come in no set order; the loader matches them to $ids.
// parameters: ids, on
// columns: id, node, system, neighbourhoods, ints, integrator, lsoas, population
UNWIND $ids AS id
MATCH (p:Place {id: id})
OPTIONAL MATCH (p)-[:PART_OF]->(s:System)
CALL (p) {
  OPTIONAL MATCH (l:Lsoa)-[:IN_PLACE]->(p)
  RETURN count(l) AS lsoas, sum(l.population) AS population
}
RETURN p.id AS id, p {.id, .name, .illustrative, .source} AS node, s.id AS system,
       COLLECT { MATCH (n:Neighbourhood)-[:IN_PLACE]->(p) RETURN n.id ORDER BY n.id } AS neighbourhoods,
       COLLECT { MATCH (i:Int)-[:IN_PLACE]->(p) RETURN i.id ORDER BY i.id } AS ints,
       COLLECT { MATCH (a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(p)
                 WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
                 MATCH (a)-[:INTEGRATOR]->(o:Organisation)
                 RETURN o.id ORDER BY a.start DESC LIMIT 1 } AS integrator,
       lsoas, population

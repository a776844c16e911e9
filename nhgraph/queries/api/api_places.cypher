// name: api_places
// purpose: API loader: places by id with their systems (by id; system is the one when there is one, else null: a place split across systems is part of each), neighbourhoods, INTs, the integrator appointed on the day $on, and LSOA count and population. Rows come in no set order; the loader matches them to $ids.
// parameters: ids, on
// columns: id, node, system, systems, neighbourhoods, ints, integrator, lsoas, population
UNWIND $ids AS id
MATCH (p:Place {id: id})
WITH p, COLLECT { MATCH (p)-[:PART_OF]->(s:System) RETURN s.id ORDER BY s.id } AS systems
CALL (p) {
  OPTIONAL MATCH (l:Lsoa)-[:IN_PLACE]->(p)
  RETURN count(l) AS lsoas, sum(l.population) AS population
}
RETURN p.id AS id, p {.id, .name, .illustrative, .source} AS node,
       CASE WHEN size(systems) = 1 THEN systems[0] END AS system, systems,
       COLLECT { MATCH (n:Neighbourhood)-[:IN_PLACE]->(p) RETURN n.id ORDER BY n.id } AS neighbourhoods,
       COLLECT { MATCH (i:Int)-[:IN_PLACE]->(p) RETURN i.id ORDER BY i.id } AS ints,
       COLLECT { MATCH (a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(p)
                 WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
                 MATCH (a)-[:INTEGRATOR]->(o:Organisation)
                 RETURN o.id ORDER BY a.start DESC LIMIT 1 } AS integrator,
       lsoas, population

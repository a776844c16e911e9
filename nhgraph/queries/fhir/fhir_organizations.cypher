// name: fhir_organizations
// purpose: FHIR Organization resources' content: organisations ($organisations, node ids) with the places they operate in and their current PCN on $today; teams ($teams) with provider and functions; INTs ($ints) with place and neighbourhoods. One row per node found.
// parameters: organisations, teams, ints, today
// columns: label, node, places, pcn, provider, functions, neighbourhoods
CALL () {
  UNWIND $organisations AS id
  MATCH (n:Organisation {id: id})
  OPTIONAL CALL (n) {
    MATCH (n)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(p:Organisation)
    WHERE m.start <= $today AND (m.end IS NULL OR m.end >= $today)
    RETURN p.id AS pcn ORDER BY m.start DESC LIMIT 1
  }
  RETURN 'Organisation' AS label,
         n {.id, .name, .kind, .open_date, .close_date, .postcode} AS node,
         COLLECT { MATCH (n)-[:OPERATES_IN]->(p:Place) RETURN p.id ORDER BY p.id } AS places,
         pcn, null AS provider, [] AS functions, [] AS neighbourhoods
  UNION ALL
  UNWIND $teams AS id
  MATCH (n:Team {id: id})
  OPTIONAL MATCH (n)-[:PROVIDED_BY]->(o:Organisation)
  RETURN 'Team' AS label, n {.id, .name} AS node, [] AS places, null AS pcn, o.id AS provider,
         COLLECT { MATCH (n)-[:CARRIES]->(f:Function) RETURN f.id ORDER BY f.id } AS functions,
         [] AS neighbourhoods
  UNION ALL
  UNWIND $ints AS id
  MATCH (n:Int {id: id})
  RETURN 'Int' AS label, n {.id, .name} AS node,
         COLLECT { MATCH (n)-[:IN_PLACE]->(p:Place) RETURN p.id } AS places, null AS pcn,
         null AS provider, [] AS functions,
         COLLECT { MATCH (n)-[:SERVES]->(h:Neighbourhood) RETURN h.id ORDER BY h.id }
           AS neighbourhoods
}
RETURN label, node, places, pcn, provider, functions, neighbourhoods

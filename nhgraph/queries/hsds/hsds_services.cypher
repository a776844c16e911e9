// name: hsds_services
// purpose: HSDS: services by id with what an HSDS service says of them: the service's own fields, its provider, function, cohorts, sites (with their postcode's centroid and place) and areas; each area's LSOA boundaries (id, GeoJSON) only when $full (a list page carries no areas' extents).
// parameters: ids, full
// columns: id, node, provider, function, cohorts, sites, lsoas, neighbourhoods, places
// Pattern comprehensions rather than COLLECT subqueries: the same reads, planned in a fraction
// of the time (a schema change, such as a test's reset, empties the plan cache). Lists come in
// traversal order; the mapping sorts them.
UNWIND $ids AS id
MATCH (s:Service {id: id})
CALL (s) {
  OPTIONAL MATCH (s)-[:AT_SITE]->(x:Site)
  OPTIONAL MATCH (p:Postcode {id: x.postcode})
  OPTIONAL MATCH (p)-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(pl:Place)
  RETURN collect(x {.id, .name, .postcode, .hsds_id, latitude: p.latitude,
                    longitude: p.longitude, place: pl.name}) AS sites
}
RETURN s.id AS id,
       s {.id, .name, .channels, .hours, .open_24_7, .self_referral, .phone, .url, .min_age,
          .max_age, .status, .hsds_id, .source, .source_version, .loaded_at} AS node,
       [(s)-[:PROVIDED_BY]->(o:Organisation) | o.id][0] AS provider,
       [(s)-[:OF_FUNCTION]->(f:Function) | f.id][0] AS function,
       [(s)-[:FOR_COHORT]->(c:Cohort) | c.id] AS cohorts,
       sites,
       [(s)-[:FOR_AREA]->(x:Lsoa) | x {.id, .name,
           boundaries: CASE WHEN $full THEN [[x.id, x.boundary]] ELSE [] END}] AS lsoas,
       [(s)-[:FOR_AREA]->(x:Neighbourhood) | x {.id, .name,
           boundaries: CASE WHEN $full THEN [(x)-[:COVERS]->(l:Lsoa) | [l.id, l.boundary]]
                       ELSE [] END}] AS neighbourhoods,
       [(s)-[:FOR_AREA]->(x:Place) | x {.id, .name,
           boundaries: CASE WHEN $full THEN [(l:Lsoa)-[:IN_PLACE]->(x) | [l.id, l.boundary]]
                       ELSE [] END}] AS places

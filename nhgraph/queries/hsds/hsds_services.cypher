// name: hsds_services
// purpose: HSDS: services by id with what an HSDS service says of them: the service's own fields, its provider, function, cohorts, sites (with their postcode's centroid and place) and areas; the LSOA boundaries of each area only when $full (a list page carries no areas' extents).
// parameters: ids, full
// columns: id, node, provider, function, cohorts, sites, lsoas, neighbourhoods, places
UNWIND $ids AS id
MATCH (s:Service {id: id})
OPTIONAL MATCH (s)-[:PROVIDED_BY]->(o:Organisation)
OPTIONAL MATCH (s)-[:OF_FUNCTION]->(f:Function)
RETURN s.id AS id,
       s {.id, .name, .channels, .hours, .open_24_7, .self_referral, .phone, .url, .min_age,
          .max_age, .status, .hsds_id, .source, .source_version, .loaded_at} AS node,
       o.id AS provider, f.id AS function,
       COLLECT { MATCH (s)-[:FOR_COHORT]->(c:Cohort) RETURN c.id ORDER BY c.id } AS cohorts,
       COLLECT { MATCH (s)-[:AT_SITE]->(x:Site)
                 OPTIONAL MATCH (p:Postcode {id: x.postcode})
                 OPTIONAL MATCH (p)-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(pl:Place)
                 RETURN x {.id, .name, .postcode, .hsds_id, latitude: p.latitude,
                           longitude: p.longitude, place: pl.name} AS site
                 ORDER BY x.id } AS sites,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Lsoa)
                 RETURN x {.id, .name, boundaries: CASE WHEN $full THEN [x.boundary] ELSE [] END}
                 ORDER BY x.id } AS lsoas,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Neighbourhood)
                 RETURN x {.id, .name, .hsds_id, boundaries: CASE WHEN $full THEN
                           COLLECT { MATCH (x)-[:COVERS]->(l:Lsoa) RETURN l.boundary ORDER BY l.id }
                           ELSE [] END}
                 ORDER BY x.id } AS neighbourhoods,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Place)
                 RETURN x {.id, .name, boundaries: CASE WHEN $full THEN
                           COLLECT { MATCH (l:Lsoa)-[:IN_PLACE]->(x) RETURN l.boundary ORDER BY l.id }
                           ELSE [] END}
                 ORDER BY x.id } AS places

// name: api_services
// purpose: API loader: services by id with provider, delivering team, function, cohorts and the areas (LSOAs, neighbourhoods, places) they are for.
// parameters: ids
// columns: id, node, provider, team, function, cohorts, lsoas, neighbourhoods, places
UNWIND $ids AS id
MATCH (s:Service {id: id})
OPTIONAL MATCH (s)-[:PROVIDED_BY]->(o:Organisation)
OPTIONAL MATCH (s)-[:DELIVERED_BY]->(t:Team)
OPTIONAL MATCH (s)-[:OF_FUNCTION]->(f:Function)
RETURN s.id AS id,
       s {.id, .name, .channels, .hours, .open_24_7, .self_referral, .phone, .url, .min_age,
          .max_age, .status, .illustrative, .source} AS node,
       o.id AS provider, t.id AS team, f.id AS function,
       COLLECT { MATCH (s)-[:FOR_COHORT]->(c:Cohort) RETURN c.id ORDER BY c.id } AS cohorts,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Lsoa) RETURN x.id ORDER BY x.id } AS lsoas,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Neighbourhood) RETURN x.id ORDER BY x.id } AS neighbourhoods,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Place) RETURN x.id ORDER BY x.id } AS places

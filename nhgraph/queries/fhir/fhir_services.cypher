// name: fhir_services
// purpose: FHIR HealthcareService resources' content: services ($ids) with provider, function, cohorts, sites and the areas (LSOAs, neighbourhoods, places) they are for.
// parameters: ids
// columns: node, provider, function, cohorts, sites, lsoas, neighbourhoods, places
UNWIND $ids AS id
MATCH (s:Service {id: id})
OPTIONAL MATCH (s)-[:PROVIDED_BY]->(o:Organisation)
OPTIONAL MATCH (s)-[:OF_FUNCTION]->(f:Function)
RETURN s {.id, .name, .channels, .hours, .open_24_7, .self_referral, .phone, .url, .min_age,
          .max_age, .status} AS node,
       o.id AS provider, f {.id, .label} AS function,
       COLLECT { MATCH (s)-[:FOR_COHORT]->(c:Cohort) RETURN c {.id, .label} ORDER BY c.id } AS cohorts,
       COLLECT { MATCH (s)-[:AT_SITE]->(x:Site) RETURN x.id ORDER BY x.id } AS sites,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Lsoa) RETURN x.id ORDER BY x.id } AS lsoas,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Neighbourhood) RETURN x.id ORDER BY x.id } AS neighbourhoods,
       COLLECT { MATCH (s)-[:FOR_AREA]->(x:Place) RETURN x.id ORDER BY x.id } AS places

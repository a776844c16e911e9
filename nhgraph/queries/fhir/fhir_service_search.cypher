// name: fhir_service_search
// purpose: FHIR HealthcareService searchset page in one statement: total, how many services match the filters of fhir_service_page (counted, never collected), and rows, the content of the page (the columns of fhir_services, each a map with the service's id): at most $limit services after the keyset cursor $after in id order, or, with $before, the $limit services just before it (read in descending id order; the caller puts them back in order).
// parameters: ids, node, provider, function, area, active, name, contains, after, before, limit
// columns: total, rows
// One round trip a page: the count and the page are two subqueries, the page a keyset WHERE
// and a LIMIT (a top-N sort), never a list of every match.
RETURN COUNT {
  MATCH (n:Service)
  WHERE ($ids IS NULL OR n.id IN $ids) AND ($node IS NULL OR n.id = $node)
    AND ($provider IS NULL OR EXISTS { (n)-[:PROVIDED_BY]->(:Organisation {id: $provider}) })
    AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
    AND ($area IS NULL OR EXISTS { MATCH (n)-[:FOR_AREA]->(a) WHERE a.id = $area })
    AND ($active IS NULL OR $active = (n.status <> 'ended'))
    AND ($name IS NULL OR toLower(n.name) STARTS WITH toLower($name))
    AND ($contains IS NULL OR toLower(n.name) CONTAINS toLower($contains))
} AS total,
COLLECT {
  MATCH (s:Service)
  WHERE ($ids IS NULL OR s.id IN $ids) AND ($node IS NULL OR s.id = $node)
    AND ($provider IS NULL OR EXISTS { (s)-[:PROVIDED_BY]->(:Organisation {id: $provider}) })
    AND ($function IS NULL OR EXISTS { (s)-[:OF_FUNCTION]->(:Function {id: $function}) })
    AND ($area IS NULL OR EXISTS { MATCH (s)-[:FOR_AREA]->(a) WHERE a.id = $area })
    AND ($active IS NULL OR $active = (s.status <> 'ended'))
    AND ($name IS NULL OR toLower(s.name) STARTS WITH toLower($name))
    AND ($contains IS NULL OR toLower(s.name) CONTAINS toLower($contains))
    AND ($after IS NULL OR s.id > $after)
    AND ($before IS NULL OR s.id < $before)
  WITH s
  ORDER BY CASE WHEN $before IS NULL THEN s.id END,
           CASE WHEN $before IS NULL THEN null ELSE s.id END DESC
  LIMIT $limit
  RETURN {
    id: s.id,
    node: s {.id, .name, .channels, .hours, .open_24_7, .self_referral, .phone, .url, .min_age,
             .max_age, .status},
    provider: [(s)-[:PROVIDED_BY]->(o:Organisation) | o.id][0],
    function: [(s)-[:OF_FUNCTION]->(f:Function) | f {.id, .label}][0],
    cohorts: COLLECT { MATCH (s)-[:FOR_COHORT]->(c:Cohort) RETURN c {.id, .label} ORDER BY c.id },
    sites: COLLECT { MATCH (s)-[:AT_SITE]->(x:Site) RETURN x.id ORDER BY x.id },
    lsoas: COLLECT { MATCH (s)-[:FOR_AREA]->(x:Lsoa) RETURN x.id ORDER BY x.id },
    neighbourhoods: COLLECT { MATCH (s)-[:FOR_AREA]->(x:Neighbourhood) RETURN x.id ORDER BY x.id },
    places: COLLECT { MATCH (s)-[:FOR_AREA]->(x:Place) RETURN x.id ORDER BY x.id }
  } AS row
} AS rows

// name: fhir_service_count
// purpose: FHIR search: how many match the filters of fhir_service_page (the searchset's total; with $before, how many come before it, for a previous page), counted, never collected.
// parameters: ids, node, provider, function, area, active, name, contains, before
// columns: total
MATCH (n:Service)
WHERE ($ids IS NULL OR n.id IN $ids) AND ($node IS NULL OR n.id = $node)
  AND ($provider IS NULL OR EXISTS { (n)-[:PROVIDED_BY]->(:Organisation {id: $provider}) })
  AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
  AND ($area IS NULL OR EXISTS { MATCH (n)-[:FOR_AREA]->(a) WHERE a.id = $area })
  AND ($active IS NULL OR $active = (n.status <> 'ended'))
  AND ($name IS NULL OR toLower(n.name) STARTS WITH toLower($name))
  AND ($contains IS NULL OR toLower(n.name) CONTAINS toLower($contains))
  AND ($before IS NULL OR n.id < $before)
RETURN count(*) AS total

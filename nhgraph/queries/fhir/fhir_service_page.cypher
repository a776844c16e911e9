// name: fhir_service_page
// purpose: FHIR HealthcareService search and export: the ids of services matching the filters, in id order after the keyset cursor $after (or before $before, skipping $skip, for a previous page), at most $limit. Filters may be null: $ids (only these, as the postcode search gives them), $node (one service), $provider (the providing organisation's node id), $function (the function code), $area (an LSOA, neighbourhood or place id the service is for), $active (whether the service has not ended), $name (prefix, or $contains).
// parameters: ids, node, provider, function, area, active, name, contains, after, before, skip, limit
// columns: fid
MATCH (n:Service)
WHERE ($ids IS NULL OR n.id IN $ids) AND ($node IS NULL OR n.id = $node)
  AND ($provider IS NULL OR EXISTS { (n)-[:PROVIDED_BY]->(:Organisation {id: $provider}) })
  AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
  AND ($area IS NULL OR EXISTS { MATCH (n)-[:FOR_AREA]->(a) WHERE a.id = $area })
  AND ($active IS NULL OR $active = (n.status <> 'ended'))
  AND ($name IS NULL OR toLower(n.name) STARTS WITH toLower($name))
  AND ($contains IS NULL OR toLower(n.name) CONTAINS toLower($contains))
  AND ($after IS NULL OR n.id > $after)
  AND ($before IS NULL OR n.id < $before)
RETURN n.id AS fid ORDER BY fid SKIP $skip LIMIT $limit

// name: fhir_role_search
// purpose: FHIR PractitionerRole searchset page in one statement: total, how many match the filters of fhir_role_page (counted in a subquery, never collected), and page, the FHIR ids of at most $limit matches after the keyset cursor $after in id order, or, with $before, the $limit just before it (in descending order: the caller puts them back in order).
// parameters: node, organisation, after, before, limit
// columns: total, page
RETURN COUNT {
  MATCH (n:Post)-[:POST_IN]->(o:Organisation)
  WHERE n.holder_is_public AND ($node IS NULL OR n.id = $node)
    AND ($organisation IS NULL OR o.id = $organisation)
  RETURN n.id AS fid
} AS total,
COLLECT {
  MATCH (n:Post)-[:POST_IN]->(o:Organisation)
  WHERE n.holder_is_public AND ($node IS NULL OR n.id = $node)
    AND ($organisation IS NULL OR o.id = $organisation)
    AND ($after IS NULL OR n.id > $after)
    AND ($before IS NULL OR n.id < $before)
  WITH n.id AS fid
  ORDER BY CASE WHEN $before IS NULL THEN fid END,
           CASE WHEN $before IS NULL THEN null ELSE fid END DESC
  LIMIT $limit
  RETURN fid
} AS page

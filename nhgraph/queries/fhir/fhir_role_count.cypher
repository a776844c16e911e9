// name: fhir_role_count
// purpose: FHIR search: how many match the filters of fhir_role_page (the searchset's total; with $before, how many come before it, for a previous page), counted, never collected.
// parameters: node, organisation, before
// columns: total
MATCH (n:Post)-[:POST_IN]->(o:Organisation)
WHERE n.holder_is_public AND ($node IS NULL OR n.id = $node)
  AND ($organisation IS NULL OR o.id = $organisation)
  AND ($before IS NULL OR n.id < $before)
RETURN count(*) AS total

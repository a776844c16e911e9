// name: fhir_role_count
// purpose: FHIR search: how many match the filters of fhir_role_page (the searchset's total), counted, never collected.
// parameters: node, organisation
// columns: total
MATCH (n:Post)-[:POST_IN]->(o:Organisation)
WHERE n.holder_is_public AND ($node IS NULL OR n.id = $node)
  AND ($organisation IS NULL OR o.id = $organisation)
RETURN count(*) AS total

// name: fhir_role_page
// purpose: FHIR PractitionerRole search and export: the ids of posts whose holder is public (named posts the organisation publishes), in id order after the keyset cursor $after, at most $limit; $node (one post) and $organisation (the node id of the post's organisation) may be null.
// parameters: node, organisation, after, limit
// columns: fid
MATCH (n:Post)-[:POST_IN]->(o:Organisation)
WHERE n.holder_is_public AND ($node IS NULL OR n.id = $node)
  AND ($organisation IS NULL OR o.id = $organisation)
  AND ($after IS NULL OR n.id > $after)
RETURN n.id AS fid ORDER BY fid LIMIT $limit

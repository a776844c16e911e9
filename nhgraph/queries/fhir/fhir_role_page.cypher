// name: fhir_role_page
// purpose: FHIR PractitionerRole search and export: the ids of posts whose holder is public (named posts the organisation publishes), in id order after the keyset cursor $after (or before $before, skipping $skip, for a previous page), at most $limit; $node (one post) and $organisation (the node id of the post's organisation) may be null.
// parameters: node, organisation, after, before, skip, limit
// columns: fid
MATCH (n:Post)-[:POST_IN]->(o:Organisation)
WHERE n.holder_is_public AND ($node IS NULL OR n.id = $node)
  AND ($organisation IS NULL OR o.id = $organisation)
  AND ($after IS NULL OR n.id > $after)
  AND ($before IS NULL OR n.id < $before)
RETURN n.id AS fid ORDER BY fid SKIP $skip LIMIT $limit

// name: fhir_contract_page
// purpose: FHIR Contract search and export (data-sharing agreements, for governance and admins only): the ids of agreements in id order after the keyset cursor $after (or before $before, skipping $skip, for a previous page), at most $limit; $node (one agreement), $status and $party (the node id of an organisation party to it) may be null.
// parameters: node, status, party, after, before, skip, limit
// columns: fid
MATCH (n:DataSharingAgreement)
WHERE ($node IS NULL OR n.id = $node) AND ($status IS NULL OR n.status = $status)
  AND ($party IS NULL OR EXISTS {
        MATCH (n)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation {id: $party}) })
  AND ($after IS NULL OR n.id > $after)
  AND ($before IS NULL OR n.id < $before)
RETURN n.id AS fid ORDER BY fid SKIP $skip LIMIT $limit

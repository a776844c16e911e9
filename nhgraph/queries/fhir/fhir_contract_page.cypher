// name: fhir_contract_page
// purpose: FHIR Contract search and export (data-sharing agreements, for governance and admins only): the ids of agreements in id order after the keyset cursor $after, at most $limit; $node (one agreement), $status and $party (the node id of an organisation party to it) may be null.
// parameters: node, status, party, after, limit
// columns: fid
MATCH (n:DataSharingAgreement)
WHERE ($node IS NULL OR n.id = $node) AND ($status IS NULL OR n.status = $status)
  AND ($party IS NULL OR EXISTS {
        MATCH (n)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation {id: $party}) })
  AND ($after IS NULL OR n.id > $after)
RETURN n.id AS fid ORDER BY fid LIMIT $limit

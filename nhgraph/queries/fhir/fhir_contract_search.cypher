// name: fhir_contract_search
// purpose: FHIR Contract searchset page in one statement: total, how many match the filters of fhir_contract_page (counted in a subquery, never collected), and page, the FHIR ids of at most $limit matches after the keyset cursor $after in id order, or, with $before, the $limit just before it (in descending order: the caller puts them back in order).
// parameters: node, status, party, after, before, limit
// columns: total, page
RETURN COUNT {
  MATCH (n:DataSharingAgreement)
  WHERE ($node IS NULL OR n.id = $node) AND ($status IS NULL OR n.status = $status)
    AND ($party IS NULL OR EXISTS {
          MATCH (n)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation {id: $party}) })
  RETURN n.id AS fid
} AS total,
COLLECT {
  MATCH (n:DataSharingAgreement)
  WHERE ($node IS NULL OR n.id = $node) AND ($status IS NULL OR n.status = $status)
    AND ($party IS NULL OR EXISTS {
          MATCH (n)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation {id: $party}) })
    AND ($after IS NULL OR n.id > $after)
    AND ($before IS NULL OR n.id < $before)
  WITH n.id AS fid
  ORDER BY CASE WHEN $before IS NULL THEN fid END,
           CASE WHEN $before IS NULL THEN null ELSE fid END DESC
  LIMIT $limit
  RETURN fid
} AS page

// name: fhir_contract_count
// purpose: FHIR search: how many match the filters of fhir_contract_page (the searchset's total; with $before, how many come before it, for a previous page), counted, never collected.
// parameters: node, status, party, before
// columns: total
MATCH (n:DataSharingAgreement)
WHERE ($node IS NULL OR n.id = $node) AND ($status IS NULL OR n.status = $status)
  AND ($party IS NULL OR EXISTS {
        MATCH (n)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation {id: $party}) })
  AND ($before IS NULL OR n.id < $before)
RETURN count(*) AS total

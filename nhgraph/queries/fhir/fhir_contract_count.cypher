// name: fhir_contract_count
// purpose: FHIR search: how many match the filters of fhir_contract_page (the searchset's total), counted, never collected.
// parameters: node, status, party
// columns: total
MATCH (n:DataSharingAgreement)
WHERE ($node IS NULL OR n.id = $node) AND ($status IS NULL OR n.status = $status)
  AND ($party IS NULL OR EXISTS {
        MATCH (n)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(:Organisation {id: $party}) })
RETURN count(*) AS total

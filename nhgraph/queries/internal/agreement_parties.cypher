// name: agreement_parties
// purpose: Edits: the parties of an agreement ($id) and of the agreements it is bound up with (the framework it accedes to, and those acceding to it), since an edit of one changes the coverage the others give. Empty when there is no such agreement.
// parameters: id
// columns: agreement, parties
MATCH (a:DataSharingAgreement {id: $id})
OPTIONAL MATCH (a)-[:ACCEDES_TO]-(bound:DataSharingAgreement)
WITH collect(DISTINCT a) + collect(DISTINCT bound) AS agreements
UNWIND agreements AS agreement
MATCH (agreement)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(party:Organisation)
RETURN agreement.id AS agreement, collect(DISTINCT party.id) AS parties

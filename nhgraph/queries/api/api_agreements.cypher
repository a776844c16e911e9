// name: api_agreements
// purpose: API loader: data-sharing agreements by id with their controllers, joint controllers and processors.
// parameters: ids
// columns: id, node, controllers, joint_controllers, processors
UNWIND $ids AS id
MATCH (d:DataSharingAgreement {id: id})
RETURN d.id AS id, d {.*} AS node,
       COLLECT { MATCH (d)-[:CONTROLLER]->(o:Organisation) RETURN o.id ORDER BY o.id } AS controllers,
       COLLECT { MATCH (d)-[:JOINT_CONTROLLER]->(o:Organisation) RETURN o.id ORDER BY o.id }
         AS joint_controllers,
       COLLECT { MATCH (d)-[:PROCESSOR]->(o:Organisation) RETURN o.id ORDER BY o.id } AS processors

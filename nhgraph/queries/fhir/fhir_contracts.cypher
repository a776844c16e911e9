// name: fhir_contracts
// purpose: FHIR Contract resources' content: data-sharing agreements ($ids) with their parties by role and the framework they accede to.
// parameters: ids
// columns: node, controllers, joint_controllers, processors, framework
UNWIND $ids AS id
MATCH (n:DataSharingAgreement {id: id})
OPTIONAL MATCH (n)-[:ACCEDES_TO]->(f:DataSharingAgreement)
RETURN n {.id, .name, .purposes, .lawful_basis, .article9_condition, .data_categories, .status,
          .valid_from, .valid_to, .review_date} AS node,
       COLLECT { MATCH (n)-[:CONTROLLER]->(o:Organisation) RETURN o.id ORDER BY o.id } AS controllers,
       COLLECT { MATCH (n)-[:JOINT_CONTROLLER]->(o:Organisation) RETURN o.id ORDER BY o.id }
         AS joint_controllers,
       COLLECT { MATCH (n)-[:PROCESSOR]->(o:Organisation) RETURN o.id ORDER BY o.id } AS processors,
       f.id AS framework

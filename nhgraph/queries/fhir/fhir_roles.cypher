// name: fhir_roles
// purpose: FHIR PractitionerRole resources' content: public posts ($ids) with role, organisation, team and specialty.
// parameters: ids
// columns: node, role, organisation, team, specialty
UNWIND $ids AS id
MATCH (n:Post {id: id})-[:POST_IN]->(o:Organisation)
WHERE n.holder_is_public
OPTIONAL MATCH (n)-[:OF_ROLE]->(r:Role)
OPTIONAL MATCH (n)-[:IN_TEAM]->(t:Team)
OPTIONAL MATCH (s:Role {id: n.specialty})
RETURN n {.id, .holder_name, .sessions_per_week} AS node, r {.id, .label} AS role,
       o.id AS organisation, t.id AS team, s {.id, .label} AS specialty

// name: fhir_affiliations
// purpose: FHIR OrganizationAffiliation resources' content: team memberships of INTs ($memberships), PCN memberships ($pcn_memberships), specialist alignments ($alignments, with specialty, sessions a week, post and team) and integrator appointments ($integrators, with place and functions hosted), by node id. One row per node found.
// parameters: memberships, pcn_memberships, alignments, integrators
// columns: label, node, primary, participating, team, specialty, place, functions
CALL () {
  UNWIND $memberships AS id
  MATCH (t:Team)<-[:MEMBER]-(n:Membership {id: id})-[:OF_INT]->(i:Int)
  RETURN 'Membership' AS label, n {.id, .tier, .start, .end} AS node, i.id AS primary,
         t.id AS participating, null AS team, null AS specialty, null AS place, [] AS functions
  UNION ALL
  UNWIND $pcn_memberships AS id
  MATCH (o:Organisation)<-[:MEMBER]-(n:PcnMembership {id: id})-[:OF_PCN]->(p:Organisation)
  RETURN 'PcnMembership' AS label, n {.id, .start, .end} AS node, p.id AS primary,
         o.id AS participating, null AS team, null AS specialty, null AS place, [] AS functions
  UNION ALL
  UNWIND $alignments AS id
  MATCH (o:Organisation)<-[:PROVIDED_BY]-(n:SpecialistAlignment {id: id})-[:ALIGNED_TO]->(i:Int)
  OPTIONAL MATCH (n)-[:IN_SPECIALTY]->(r:Role)
  OPTIONAL MATCH (n)-[:BY_TEAM]->(t:Team)
  RETURN 'SpecialistAlignment' AS label, n {.id, .start, .end, .sessions_per_week} AS node,
         i.id AS primary, o.id AS participating, t.id AS team, r {.id, .label} AS specialty,
         null AS place, [] AS functions
  UNION ALL
  UNWIND $integrators AS id
  MATCH (o:Organisation)<-[:INTEGRATOR]-(n:IntegratorAppointment {id: id})
  OPTIONAL MATCH (n)-[:INTEGRATOR_FOR]->(p:Place)
  RETURN 'IntegratorAppointment' AS label, n {.id, .start, .end} AS node, null AS primary,
         o.id AS participating, null AS team, null AS specialty, p.id AS place,
         COLLECT { MATCH (n)-[:HOSTS]->(f:Function) RETURN f {.id, .label} ORDER BY f.id }
           AS functions
}
RETURN label, node, primary, participating, team, specialty, place, functions

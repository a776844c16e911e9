// name: who_serves_lsoa
// purpose: Who serves a resident of an LSOA (aged $age, in $cohort, on the day $on): place, system, neighbourhoods, INTs, teams tier by tier with providers, eligible services, aligned specialists, the integrator and the 24/7 gateway, each with the reason it applies. $age and $cohort may be null. One row, or none for an LSOA not in the graph.
// parameters: lsoa, age, cohort, on
// columns: lsoa, lsoa_name, place, place_name, system, system_name, neighbourhoods, ints, teams, services, specialists, integrator, gateways
MATCH (l:Lsoa {id: $lsoa})-[:IN_PLACE]->(p:Place)
OPTIONAL MATCH (p)-[:PART_OF]->(s:System)
CALL (l) {
  OPTIONAL MATCH (n:Neighbourhood)-[:COVERS]->(l)
  WITH n ORDER BY n.id
  RETURN collect(n {.id, .name}) AS neighbourhoods
}
CALL (l) {
  OPTIONAL MATCH (l)<-[:COVERS]-(n:Neighbourhood)<-[:SERVES]-(i:Int)
  WITH i, collect(n.id) AS via ORDER BY i.id
  WITH collect(CASE WHEN i IS NULL THEN null
                    ELSE i {.id, .name, reason: 'serves neighbourhood ' + via[0]} END) AS found
  RETURN [x IN found WHERE x IS NOT NULL] AS ints
}
CALL (l) {
  OPTIONAL MATCH (l)<-[:COVERS]-(:Neighbourhood)<-[:SERVES]-(i:Int)<-[:OF_INT]-(m:Membership)
                 -[:MEMBER]->(t:Team)
  WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  OPTIONAL MATCH (t)-[:PROVIDED_BY]->(o:Organisation)
  OPTIONAL MATCH (t)-[:CARRIES]->(f:Function)
  WITH DISTINCT m, i, t, o, collect(f.id) AS functions
  WITH m, i, t, o, functions,
       CASE m.tier WHEN 'hyper_local' THEN 1 WHEN 'consistent' THEN 2
                   WHEN 'tailored' THEN 3 WHEN 'aligned' THEN 4 ELSE 5 END AS ring
  ORDER BY ring, i.id, t.id
  WITH collect(CASE WHEN t IS NULL THEN null ELSE {tier: m.tier, int: i.id, team: t.id,
               team_name: t.name, provider: o.id, provider_name: o.name,
               functions: functions, reason: 'member of INT ' + i.id} END) AS found
  RETURN [x IN found WHERE x IS NOT NULL] AS teams
}
CALL (l, p) {
  OPTIONAL MATCH (svc:Service)-[:FOR_AREA]->(area)
  WHERE (area = l OR area = p OR (area:Neighbourhood AND (area)-[:COVERS]->(l)))
    AND svc.status = 'active'
    AND ($age IS NULL OR ((svc.min_age IS NULL OR svc.min_age <= $age)
                          AND (svc.max_age IS NULL OR svc.max_age >= $age)))
    AND ($cohort IS NULL OR NOT EXISTS { (svc)-[:FOR_COHORT]->() }
         OR EXISTS { (svc)-[:FOR_COHORT]->(:Cohort {id: $cohort}) })
  OPTIONAL MATCH (svc)-[:OF_FUNCTION]->(f:Function)
  OPTIONAL MATCH (svc)-[:PROVIDED_BY]->(o:Organisation)
  WITH svc, f, o, area ORDER BY svc.id
  WITH collect(CASE WHEN svc IS NULL THEN null ELSE svc {.id, .name, .channels, .hours,
               .open_24_7, .self_referral, .phone, .min_age, .max_age, function: f.id,
               provider: o.id, provider_name: o.name,
               reason: CASE WHEN area = l THEN 'for the LSOA'
                            WHEN area = p THEN 'for the place ' + p.id
                            ELSE 'for the neighbourhood ' + area.id END} END) AS found
  RETURN [x IN found WHERE x IS NOT NULL] AS services
}
CALL (l) {
  OPTIONAL MATCH (l)<-[:COVERS]-(:Neighbourhood)<-[:SERVES]-(i:Int)<-[:ALIGNED_TO]-(a:SpecialistAlignment)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
  OPTIONAL MATCH (a)-[:IN_SPECIALTY]->(r:Role)
  OPTIONAL MATCH (a)-[:PROVIDED_BY]->(o:Organisation)
  WITH DISTINCT a, i, r, o ORDER BY r.id, i.id
  WITH collect(CASE WHEN a IS NULL THEN null ELSE {specialty: r.id, label: r.label, int: i.id,
               provider: o.id, provider_name: o.name, sessions_per_week: a.sessions_per_week,
               reason: 'aligned to INT ' + i.id} END) AS found
  RETURN [x IN found WHERE x IS NOT NULL] AS specialists
}
CALL (p) {
  OPTIONAL MATCH (a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(p)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
  OPTIONAL MATCH (a)-[:INTEGRATOR]->(o:Organisation)
  WITH a, o ORDER BY a.start DESC LIMIT 1
  RETURN CASE WHEN o IS NULL THEN null
              ELSE {organisation: o.id, name: o.name, since: a.start,
                    reason: 'integrator of the place ' + p.id} END AS integrator
}
CALL (l, p) {
  OPTIONAL MATCH (g:Service {open_24_7: true, status: 'active'})-[:FOR_AREA]->(area)
  WHERE (area = p OR area = l OR (area:Neighbourhood AND (area)-[:COVERS]->(l)))
    AND EXISTS { (g)-[:OF_FUNCTION]->(:Function {id: 'urgent_care_gateway'}) }
  WITH g ORDER BY g.id
  WITH collect(CASE WHEN g IS NULL THEN null ELSE g {.id, .name, .phone, .channels,
               reason: '24/7 gateway for the place'} END) AS found
  RETURN [x IN found WHERE x IS NOT NULL] AS gateways
}
RETURN l.id AS lsoa, l.name AS lsoa_name, p.id AS place, p.name AS place_name,
       s.id AS system, s.name AS system_name, neighbourhoods, ints, teams, services,
       specialists, integrator, gateways

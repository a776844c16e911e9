// name: who_serves
// purpose: Who serves a resident of an LSOA or postcode (aged $age, in $cohort, needing $function, on the day $on): place, system, neighbourhoods, INTs, the teams around them tier by tier with providers, the services they are eligible for, aligned specialists, the integrator and the 24/7 gateway, each with the reason it applies. Give $lsoa or $postcode; $age, $cohort and $function may be null. One row, or none when neither is in the graph.
// parameters: lsoa, postcode, age, cohort, function, on
// columns: lsoa, lsoa_name, postcode, place, place_name, system, system_name, neighbourhoods, ints, teams, services, specialists, integrator, gateways
// kind: resident
// subject: lsoa, lsoa_name
// The postcode is resolved in the same statement so that a resident's question is one round
// trip; services are found from the resident's areas (the LSOA, its neighbourhoods, the place)
// rather than by scanning services.
CALL () {
  OPTIONAL MATCH (:Postcode {id: $postcode})-[:IN_LSOA]->(x:Lsoa)
  RETURN x.id AS by_postcode
}
MATCH (l:Lsoa {id: coalesce($lsoa, by_postcode)})-[:IN_PLACE]->(p:Place)
// The resident's system is their LSOA's: a place split across systems (North Yorkshire) is
// part of two, and only the LSOA says which side it is on. An LSOA with no system of its own
// (an extract without the LSOA to ICB lookup) takes its place's, when the place has one.
CALL (l, p) {
  OPTIONAL MATCH (l)-[:IN_SYSTEM]->(own:System)
  WITH own, COLLECT { MATCH (p)-[:PART_OF]->(x:System) RETURN x } AS systems
  RETURN coalesce(own, CASE WHEN size(systems) = 1 THEN systems[0] END) AS s
}
CALL (l) {
  OPTIONAL MATCH (n:Neighbourhood)-[:COVERS]->(l)
  WITH n ORDER BY n.id
  RETURN collect(n) AS hoods
}
CALL (hoods) {
  UNWIND hoods AS n
  MATCH (n)<-[:SERVES]-(i:Int)
  WITH i, min(n.id) AS via ORDER BY i.id
  RETURN collect({node: i, via: via}) AS served
}
CALL (served) {
  UNWIND served AS entry
  WITH entry.node AS i, entry.via AS via
  MATCH (i)<-[:OF_INT]-(m:Membership)-[:MEMBER]->(t:Team)
  WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  OPTIONAL MATCH (t)-[:PROVIDED_BY]->(o:Organisation)
  WITH i, via, m, t, o, COLLECT { MATCH (t)-[:CARRIES]->(f:Function) RETURN f.id ORDER BY f.id }
       AS functions
  WHERE $function IS NULL OR $function IN functions
  WITH i, via, m, t, o, functions,
       CASE m.tier WHEN 'hyper_local' THEN 1 WHEN 'consistent' THEN 2
                   WHEN 'tailored' THEN 3 WHEN 'aligned' THEN 4 ELSE 5 END AS ring
  ORDER BY ring, i.id, t.id
  RETURN collect({tier: m.tier, int: i.id, team: t.id, team_name: t.name, provider: o.id,
                  provider_name: o.name, functions: functions,
                  reason: 'member of INT ' + i.id + ', which serves neighbourhood ' + via})
         AS teams
}
CALL (l, p, hoods) {
  UNWIND [l, p] + hoods AS area
  MATCH (area)<-[:FOR_AREA]-(svc:Service {status: 'active'})
  WITH svc, collect(area)[0] AS area
  OPTIONAL MATCH (svc)-[:OF_FUNCTION]->(f:Function)
  OPTIONAL MATCH (svc)-[:PROVIDED_BY]->(o:Organisation)
  WITH svc, area, f, o, COLLECT { MATCH (svc)-[:FOR_COHORT]->(c:Cohort) RETURN c.id ORDER BY c.id }
       AS cohorts
  ORDER BY svc.id
  WITH svc {.id, .name, .channels, .hours, .open_24_7, .self_referral, .phone, .url, .min_age,
            .max_age, cohorts: cohorts, function: f.id, provider: o.id, provider_name: o.name,
            reason: CASE WHEN area = l THEN 'for the LSOA ' + l.id
                         WHEN area = p THEN 'for the place ' + p.id
                         ELSE 'for the neighbourhood ' + area.id END} AS offer
  RETURN [x IN collect(offer)
          WHERE ($age IS NULL OR ((x.min_age IS NULL OR x.min_age <= $age)
                                  AND (x.max_age IS NULL OR x.max_age >= $age)))
            AND ($cohort IS NULL OR size(x.cohorts) = 0 OR $cohort IN x.cohorts)
            AND ($function IS NULL OR x.function = $function)] AS services,
         [x IN collect(offer) WHERE x.open_24_7 AND x.function = 'urgent_care_gateway'
          | x {.id, .name, .phone, .channels, .url, .provider, .provider_name, .reason}] AS gateways
}
CALL (served) {
  UNWIND served AS entry
  WITH entry.node AS i
  MATCH (i)<-[:ALIGNED_TO]-(a:SpecialistAlignment)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
  OPTIONAL MATCH (a)-[:IN_SPECIALTY]->(r:Role)
  OPTIONAL MATCH (a)-[:PROVIDED_BY]->(o:Organisation)
  WITH a, i, r, o ORDER BY r.id, i.id
  RETURN collect({specialty: r.id, label: r.label, int: i.id, provider: o.id,
                  provider_name: o.name, sessions_per_week: a.sessions_per_week,
                  reason: 'aligned to INT ' + i.id}) AS specialists
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
RETURN l.id AS lsoa, l.name AS lsoa_name, CASE WHEN by_postcode IS NULL THEN null ELSE $postcode END AS postcode,
       p.id AS place, p.name AS place_name, s.id AS system, s.name AS system_name,
       [n IN hoods | n {.id, .name, reason: 'covers the LSOA ' + l.id}] AS neighbourhoods,
       [e IN served | {id: e.node.id, name: e.node.name,
                       reason: 'serves neighbourhood ' + e.via}] AS ints,
       teams, services, specialists, integrator, gateways

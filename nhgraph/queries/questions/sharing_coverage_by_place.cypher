// name: sharing_coverage_by_place
// purpose: Data sharing, London-wide: per place and purpose in $purposes, how many pairs of the place's INT partners (team and specialist providers, the integrator) can share on the day $on under an active agreement (framework accessions count as one), and how many cannot. Aggregated: one row per place and purpose.
// parameters: purposes, on
// columns: place, name, purpose, partners, pairs, covered_pairs, uncovered_pairs
// kind: sharing
// subject: place, name, purpose
MATCH (p:Place)
CALL (p) {
  MATCH (p)<-[:IN_PLACE]-(:Int)<-[:OF_INT]-(m:Membership)-[:MEMBER]->(:Team)
        -[:PROVIDED_BY]->(o:Organisation)
  WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  RETURN o
  UNION
  MATCH (p)<-[:IN_PLACE]-(:Int)<-[:ALIGNED_TO]-(a:SpecialistAlignment)
        -[:PROVIDED_BY]->(o:Organisation)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
  RETURN o
  UNION
  MATCH (p)<-[:INTEGRATOR_FOR]-(ia:IntegratorAppointment)-[:INTEGRATOR]->(o:Organisation)
  WHERE ia.start <= $on AND (ia.end IS NULL OR ia.end >= $on)
  RETURN o
}
WITH p, collect(DISTINCT o) AS orgs
CALL (orgs) {
  UNWIND orgs AS o
  OPTIONAL MATCH (o)<-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]-(d:DataSharingAgreement)
  WHERE d.status = 'active' AND d.valid_from <= $on AND (d.valid_to IS NULL OR d.valid_to >= $on)
  OPTIONAL MATCH (d)-[:ACCEDES_TO]->(fw:DataSharingAgreement)
  WITH o, collect({scheme: coalesce(fw.id, d.id), purposes: d.purposes}) AS held
  RETURN collect({id: o.id, held: held}) AS partners
}
UNWIND $purposes AS purpose
WITH p, purpose, [x IN partners | {id: x.id,
     schemes: [h IN x.held WHERE h.scheme IS NOT NULL AND purpose IN h.purposes | h.scheme]}]
     AS partners
WITH p, purpose, size(partners) AS n, partners
WITH p, purpose, n,
     reduce(total = 0, a IN partners | total + size([b IN partners WHERE a.id < b.id
                   AND any(s IN a.schemes WHERE s IN b.schemes)])) AS covered
RETURN p.id AS place, p.name AS name, purpose, n AS partners, n * (n - 1) / 2 AS pairs,
       covered AS covered_pairs, n * (n - 1) / 2 - covered AS uncovered_pairs
ORDER BY place, purpose

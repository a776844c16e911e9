// name: sharing_coverage
// purpose: Data sharing: for one INT ($int) or every INT of a place ($place, with $int null), every pair of partner organisations and every purpose in $purposes, with the agreement that lets them share on the day $on (an active agreement naming both as parties and the purpose; accessions to one framework count as one agreement), or none. Partners are the providers of the INTs' teams and aligned specialists, and the place's integrator.
// parameters: int, place, purposes, on
// columns: partner_a, partner_a_name, partner_a_kind, partner_b, partner_b_name, partner_b_kind, purpose, covered, agreement, lawful_basis, article9_condition
// kind: sharing
// subject: partner_a, partner_b, purpose
MATCH (i:Int)-[:IN_PLACE]->(p:Place)
WHERE CASE WHEN $int IS NULL THEN p.id = $place ELSE i.id = $int END
CALL (i) {
  MATCH (i)<-[:OF_INT]-(m:Membership)-[:MEMBER]->(:Team)-[:PROVIDED_BY]->(o:Organisation)
  WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  RETURN o
  UNION
  MATCH (i)<-[:ALIGNED_TO]-(a:SpecialistAlignment)-[:PROVIDED_BY]->(o:Organisation)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
  RETURN o
  UNION
  MATCH (i)-[:IN_PLACE]->(:Place)<-[:INTEGRATOR_FOR]-(ia:IntegratorAppointment)
        -[:INTEGRATOR]->(o:Organisation)
  WHERE ia.start <= $on AND (ia.end IS NULL OR ia.end >= $on)
  RETURN o
}
WITH DISTINCT o
CALL (o) {
  OPTIONAL MATCH (o)<-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]-(d:DataSharingAgreement)
  WHERE d.status = 'active' AND d.valid_from <= $on AND (d.valid_to IS NULL OR d.valid_to >= $on)
  OPTIONAL MATCH (d)-[:ACCEDES_TO]->(fw:DataSharingAgreement)
  WITH d, fw ORDER BY d.id
  RETURN collect({agreement: d.id, scheme: coalesce(fw.id, d.id), purposes: d.purposes,
                  basis: d.lawful_basis, condition: d.article9_condition}) AS held
}
WITH o, held ORDER BY o.id
WITH collect({org: o, held: held}) AS partners
UNWIND partners AS a
UNWIND partners AS b
WITH a, b WHERE a.org.id < b.org.id
UNWIND $purposes AS purpose
WITH a, b, purpose, [y IN b.held WHERE purpose IN y.purposes] AS b_held
WITH a, b, purpose,
     [x IN a.held WHERE purpose IN x.purposes AND any(y IN b_held WHERE y.agreement = x.agreement)]
     + [x IN a.held WHERE purpose IN x.purposes AND any(y IN b_held WHERE y.scheme = x.scheme)
        | x {.basis, .condition, agreement: x.scheme}] AS covering
RETURN a.org.id AS partner_a, a.org.name AS partner_a_name, a.org.kind AS partner_a_kind,
       b.org.id AS partner_b, b.org.name AS partner_b_name, b.org.kind AS partner_b_kind,
       purpose, size(covering) > 0 AS covered, covering[0].agreement AS agreement,
       covering[0].basis AS lawful_basis, covering[0].condition AS article9_condition
ORDER BY covered, partner_a, partner_b, purpose

// name: partners_outside_agreements
// purpose: Data sharing: organisations providing teams or aligned specialists to INTs on the day $on that are party to no agreement active on that day, of the kinds in $kinds (null for every kind; the design asks for vcfse and care providers), in one place or all ($place null); with the INTs they work in.
// parameters: on, kinds, place
// columns: place, organisation, name, kind, illustrative, ints
// kind: sharing
// subject: organisation, name
CALL () {
  MATCH (i:Int)<-[:OF_INT]-(m:Membership)-[:MEMBER]->(:Team)-[:PROVIDED_BY]->(o:Organisation)
  WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  RETURN i, o
  UNION
  MATCH (i:Int)<-[:ALIGNED_TO]-(a:SpecialistAlignment)-[:PROVIDED_BY]->(o:Organisation)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
  RETURN i, o
}
WITH i, o
WHERE ($kinds IS NULL OR o.kind IN $kinds)
  AND NOT EXISTS {
    MATCH (o)<-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]-(d:DataSharingAgreement {status: 'active'})
    WHERE d.valid_from <= $on AND (d.valid_to IS NULL OR d.valid_to >= $on)
  }
MATCH (i)-[:IN_PLACE]->(p:Place)
WHERE $place IS NULL OR p.id = $place
WITH p, o, i ORDER BY i.id
RETURN p.id AS place, o.id AS organisation, o.name AS name, o.kind AS kind,
       o.illustrative AS illustrative, collect(i.id) AS ints
ORDER BY place, organisation

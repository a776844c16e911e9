// name: fhir_place
// purpose: A collection Bundle of a place (nhgraph export fhir --place): the node ids of what belongs to the place $place: the place itself, its LSOAs, neighbourhoods and INTs, the organisations operating in it or whose postcode is in one of its LSOAs, the teams that are members of its INTs, the memberships of and specialist alignments to those INTs, its integrator appointments, the PCN memberships of its organisations, the services for an area in it (the place, or an LSOA or neighbourhood in it), the sites of those services and organisations, the public posts of its organisations, and (only when $agreements) the data-sharing agreements any of its organisations is party to. No row when $place names no place. What these reference outside the place is added by the caller, so every reference resolves.
// parameters: place, agreements
// columns: place, lsoas, neighbourhoods, ints, organisations, teams, memberships, alignments, integrators, pcn_memberships, services, sites, posts, agreements
MATCH (p:Place {id: $place})
WITH p,
     COLLECT { MATCH (n:Lsoa)-[:IN_PLACE]->(p) RETURN n.id ORDER BY n.id } AS lsoas,
     COLLECT { MATCH (n:Neighbourhood)-[:IN_PLACE]->(p) RETURN n.id ORDER BY n.id } AS neighbourhoods,
     COLLECT { MATCH (n:Int)-[:IN_PLACE]->(p) RETURN n.id ORDER BY n.id } AS ints,
     COLLECT { MATCH (n:Organisation)
               WHERE EXISTS { (n)-[:OPERATES_IN]->(p) }
                  OR EXISTS { MATCH (:Postcode {id: n.postcode})-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(p) }
               RETURN n.id ORDER BY n.id } AS organisations
WITH p, lsoas, neighbourhoods, ints, organisations,
     COLLECT { MATCH (t:Team)<-[:MEMBER]-(:Membership)-[:OF_INT]->(i:Int)
               WHERE i.id IN ints RETURN DISTINCT t.id AS id ORDER BY id } AS teams,
     COLLECT { MATCH (:Team)<-[:MEMBER]-(m:Membership)-[:OF_INT]->(i:Int)
               WHERE i.id IN ints RETURN m.id ORDER BY m.id } AS memberships,
     COLLECT { MATCH (:Organisation)<-[:PROVIDED_BY]-(a:SpecialistAlignment)-[:ALIGNED_TO]->(i:Int)
               WHERE i.id IN ints RETURN a.id ORDER BY a.id } AS alignments,
     COLLECT { MATCH (:Organisation)<-[:INTEGRATOR]-(a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(p)
               RETURN a.id ORDER BY a.id } AS integrators,
     COLLECT { MATCH (o:Organisation)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(:Organisation)
               WHERE o.id IN organisations RETURN m.id ORDER BY m.id } AS pcn_memberships,
     COLLECT { MATCH (s:Service)
               WHERE EXISTS { (s)-[:FOR_AREA]->(a) WHERE a = p OR EXISTS { (a)-[:IN_PLACE]->(p) } }
               RETURN s.id ORDER BY s.id } AS services
RETURN p.id AS place, lsoas, neighbourhoods, ints, organisations, teams, memberships,
       alignments, integrators, pcn_memberships, services,
       COLLECT { MATCH (x:Site)
                 WHERE EXISTS { (x)-[:SITE_OF]->(o:Organisation) WHERE o.id IN organisations }
                    OR EXISTS { (s:Service)-[:AT_SITE]->(x) WHERE s.id IN services }
                 RETURN x.id ORDER BY x.id } AS sites,
       COLLECT { MATCH (n:Post)-[:POST_IN]->(o:Organisation)
                 WHERE n.holder_is_public AND o.id IN organisations
                 RETURN n.id ORDER BY n.id } AS posts,
       COLLECT { MATCH (n:DataSharingAgreement)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(o:Organisation)
                 WHERE $agreements AND o.id IN organisations
                 RETURN DISTINCT n.id AS id ORDER BY id } AS agreements

// name: api_ints
// purpose: API loader: integrated neighbourhood teams by id with their place, neighbourhoods, team memberships (tier, dates) and specialist alignments.
// parameters: ids
// columns: id, node, place, neighbourhoods, memberships, alignments
UNWIND $ids AS id
MATCH (i:Int {id: id})
OPTIONAL MATCH (i)-[:IN_PLACE]->(p:Place)
RETURN i.id AS id, i {.id, .name, .illustrative, .source} AS node, p.id AS place,
       COLLECT { MATCH (i)-[:SERVES]->(n:Neighbourhood) RETURN n.id ORDER BY n.id } AS neighbourhoods,
       COLLECT { MATCH (i)<-[:OF_INT]-(m:Membership)-[:MEMBER]->(t:Team)
                 WITH m, t, CASE m.tier WHEN 'hyper_local' THEN 1 WHEN 'consistent' THEN 2
                                        WHEN 'tailored' THEN 3 WHEN 'aligned' THEN 4 ELSE 5 END AS ring
                 ORDER BY ring, t.id
                 RETURN {id: m.id, tier: m.tier, team: t.id, start: m.start, end: m.end} } AS memberships,
       COLLECT { MATCH (i)<-[:ALIGNED_TO]-(a:SpecialistAlignment)
                 OPTIONAL MATCH (a)-[:IN_SPECIALTY]->(r:Role)
                 OPTIONAL MATCH (a)-[:PROVIDED_BY]->(o:Organisation)
                 WITH a, r, o ORDER BY r.id, a.id
                 RETURN {id: a.id, specialty: r.id, specialty_label: r.label, provider: o.id,
                         sessions_per_week: a.sessions_per_week, start: a.start, end: a.end} }
         AS alignments

// name: pcns_split_across_ints
// purpose: Overlaps (coterminosity): PCNs that provide teams to more than one INT on the day $on, with the INTs, in one place or all ($place null).
// parameters: on, place
// columns: pcn, pcn_name, ints, places
// kind: overlap
// subject: pcn, pcn_name
MATCH (pcn:Organisation {kind: 'pcn'})<-[:PROVIDED_BY]-(:Team)<-[:MEMBER]-(m:Membership)
      -[:OF_INT]->(i:Int)-[:IN_PLACE]->(p:Place)
WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
WITH DISTINCT pcn, i, p ORDER BY i.id
WITH pcn, collect(i.id) AS ints, collect(DISTINCT p.id) AS places
WHERE size(ints) > 1 AND ($place IS NULL OR $place IN places)
RETURN pcn.id AS pcn, pcn.name AS pcn_name, ints, places
ORDER BY pcn

// name: pcns_split_across_neighbourhoods
// purpose: Overlaps (coterminosity): PCNs whose member practices on the day $on sit in more than one neighbourhood, placing each practice by its postcode's LSOA; with the neighbourhoods and how many practices each holds. $place limits to PCNs with a practice in that place (null for all).
// parameters: on, place
// columns: pcn, pcn_name, practices, neighbourhoods, places
// kind: overlap
// subject: pcn, pcn_name
MATCH (pcn:Organisation {kind: 'pcn'})<-[:OF_PCN]-(pm:PcnMembership)-[:MEMBER]->(practice:Organisation)
WHERE pm.start <= $on AND (pm.end IS NULL OR pm.end >= $on)
MATCH (pc:Postcode {id: practice.postcode})-[:IN_LSOA]->(l:Lsoa)<-[:COVERS]-(n:Neighbourhood)
MATCH (n)-[:IN_PLACE]->(p:Place)
WITH pcn, n, p, count(DISTINCT practice) AS held
ORDER BY n.id
WITH pcn, collect({neighbourhood: n.id, place: p.id, practices: held}) AS neighbourhoods,
     collect(DISTINCT p.id) AS places, sum(held) AS practices
WHERE size(neighbourhoods) > 1 AND ($place IS NULL OR $place IN places)
RETURN pcn.id AS pcn, pcn.name AS pcn_name, practices, neighbourhoods, places
ORDER BY size(neighbourhoods) DESC, pcn

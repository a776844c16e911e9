// name: neighbourhoods_split_across_pcns
// purpose: Overlaps (coterminosity): neighbourhoods whose practices on the day $on belong to more than one PCN, placing each practice by its postcode's LSOA; with the PCNs and the neighbourhood's residents, in one place or all ($place null).
// parameters: on, place
// columns: place, neighbourhood, name, pcns, practices, population
// kind: overlap
// subject: neighbourhood, name
MATCH (n:Neighbourhood)-[:IN_PLACE]->(p:Place)
WHERE $place IS NULL OR p.id = $place
MATCH (n)-[:COVERS]->(:Lsoa)<-[:IN_LSOA]-(pc:Postcode)
MATCH (practice:Organisation {postcode: pc.id})<-[:MEMBER]-(pm:PcnMembership)-[:OF_PCN]->(pcn:Organisation)
WHERE pm.start <= $on AND (pm.end IS NULL OR pm.end >= $on)
WITH p, n, pcn, count(DISTINCT practice) AS held
ORDER BY pcn.id
WITH p, n, collect({pcn: pcn.id, name: pcn.name, practices: held}) AS pcns, sum(held) AS practices
WHERE size(pcns) > 1
CALL (n) {
  OPTIONAL MATCH (n)-[:COVERS]->(l:Lsoa)
  RETURN sum(l.population) AS population
}
RETURN p.id AS place, n.id AS neighbourhood, n.name AS name, pcns, practices, population
ORDER BY size(pcns) DESC, neighbourhood

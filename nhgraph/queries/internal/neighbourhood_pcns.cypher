// name: neighbourhood_pcns
// purpose: The PCNs of each neighbourhood's practices on the day $on (each practice placed by its postcode's LSOA, as neighbourhoods_split_across_pcns places them), for the neighbourhoods $neighbourhoods and those covering the postcodes $postcodes: what a change's impact compares before and after the change.
// parameters: neighbourhoods, postcodes, on
// columns: neighbourhood, name, pcns
CALL () {
  MATCH (n:Neighbourhood) WHERE n.id IN $neighbourhoods
  RETURN n
  UNION
  MATCH (pc:Postcode)-[:IN_LSOA]->(:Lsoa)<-[:COVERS]-(n:Neighbourhood)
  WHERE pc.id IN $postcodes
  RETURN n
}
CALL (n) {
  OPTIONAL MATCH (n)-[:COVERS]->(:Lsoa)<-[:IN_LSOA]-(pc:Postcode)
  OPTIONAL MATCH (:Organisation {postcode: pc.id})<-[:MEMBER]-(pm:PcnMembership)-[:OF_PCN]->(pcn:Organisation)
  WHERE pm.start <= $on AND (pm.end IS NULL OR pm.end >= $on)
  WITH DISTINCT pcn ORDER BY pcn.id
  RETURN collect(pcn.id) AS pcns
}
RETURN n.id AS neighbourhood, n.name AS name, pcns
ORDER BY neighbourhood

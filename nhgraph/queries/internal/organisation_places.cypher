// name: organisation_places
// purpose: Edits: the places each organisation ($ids) operates in, as the data shows them: its recorded places, the place of its postcode, of its sites' postcodes and, for a practice, of its PCNs (recorded or by postcode). An organisation the data puts in no place is absent from the answer, and an integrator may then not touch what names it.
// parameters: ids
// columns: id, places
UNWIND $ids AS id
MATCH (o:Organisation {id: id})
CALL (o) {
  MATCH (o)-[:OPERATES_IN]->(p:Place)
  RETURN p.id AS place
  UNION
  MATCH (:Postcode {id: o.postcode})-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(p:Place)
  RETURN p.id AS place
  UNION
  MATCH (s:Site)-[:SITE_OF]->(o)
  MATCH (:Postcode {id: s.postcode})-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(p:Place)
  RETURN p.id AS place
  UNION
  MATCH (m:PcnMembership)-[:MEMBER]->(o), (m)-[:OF_PCN]->(pcn:Organisation)
  MATCH (pcn)-[:OPERATES_IN]->(p:Place)
  RETURN p.id AS place
  UNION
  MATCH (m:PcnMembership)-[:MEMBER]->(o), (m)-[:OF_PCN]->(pcn:Organisation)
  MATCH (:Postcode {id: pcn.postcode})-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(p:Place)
  RETURN p.id AS place
}
RETURN o.id AS id, collect(DISTINCT place) AS places

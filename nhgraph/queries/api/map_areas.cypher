// name: map_areas
// purpose: The map's outlines: each neighbourhood and place with the LSOAs it is made of (a neighbourhood's footprint, a place's LSOAs), whose boundaries the web app unites into its outline.
// parameters: none
// columns: kind, id, name, place, lsoas
CALL () {
  MATCH (n:Neighbourhood)
  OPTIONAL MATCH (n)-[:IN_PLACE]->(p:Place)
  RETURN 'neighbourhood' AS kind, n.id AS id, n.name AS name, p.id AS place,
         COLLECT { MATCH (n)-[:COVERS]->(l:Lsoa) RETURN l.id ORDER BY l.id } AS lsoas
  UNION ALL
  MATCH (p:Place)
  RETURN 'place' AS kind, p.id AS id, p.name AS name, p.id AS place,
         COLLECT { MATCH (l:Lsoa)-[:IN_PLACE]->(p) RETURN l.id ORDER BY l.id } AS lsoas
}
RETURN kind, id, name, place, lsoas
ORDER BY kind, id

// name: place_by_id
// purpose: One place (a borough, ONS E09 code) by its id, with the system it is part of.
// parameters: id
// columns: id, name, system
MATCH (p:Place {id: $id})
OPTIONAL MATCH (p)-[:PART_OF]->(s:System)
RETURN p.id AS id, p.name AS name, s.id AS system

// name: api_organisations
// purpose: API loader: organisations by id with the places they operate in.
// parameters: ids
// columns: id, node, places
UNWIND $ids AS id
MATCH (o:Organisation {id: id})
RETURN o.id AS id,
       o {.id, .name, .kind, .open_date, .close_date, .postcode, .illustrative, .source} AS node,
       COLLECT { MATCH (o)-[:OPERATES_IN]->(p:Place) RETURN p.id ORDER BY p.id } AS places

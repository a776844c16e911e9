// name: api_teams
// purpose: API loader: teams by id with their provider and the functions they carry.
// parameters: ids
// columns: id, node, provider, functions
UNWIND $ids AS id
MATCH (t:Team {id: id})
OPTIONAL MATCH (t)-[:PROVIDED_BY]->(o:Organisation)
RETURN t.id AS id, t {.id, .name, .illustrative, .source} AS node, o.id AS provider,
       COLLECT { MATCH (t)-[:CARRIES]->(f:Function) RETURN f.id ORDER BY f.id } AS functions

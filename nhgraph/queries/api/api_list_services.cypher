// name: api_list_services
// purpose: API list: services, optionally only those for an area in the place $place, of the function $function, with the status $status, and whose name holds $search. Sorted by $sort ('id' or 'name', then id), after the keyset cursor ($after_key, $after_id), at most $limit ids; total counts every match, not only the page. The count and the page are two subqueries: the page is a keyset WHERE and a LIMIT (a top-N sort), never a list of every match.
// parameters: place, function, status, search, sort, after_key, after_id, limit
// columns: total, page
RETURN COUNT {
  MATCH (n:Service)
  WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    AND ($place IS NULL OR EXISTS { (n)-[:FOR_AREA]->(a) WHERE a.id = $place
                                     OR EXISTS { (a)-[:IN_PLACE]->(:Place {id: $place}) } })
    AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
    AND ($status IS NULL OR n.status = $status)
} AS total,
COLLECT {
  MATCH (n:Service)
  WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    AND ($place IS NULL OR EXISTS { (n)-[:FOR_AREA]->(a) WHERE a.id = $place
                                     OR EXISTS { (a)-[:IN_PLACE]->(:Place {id: $place}) } })
    AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
    AND ($status IS NULL OR n.status = $status)
  WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
  WHERE $after_id IS NULL OR key > $after_key OR (key = $after_key AND id > $after_id)
  RETURN {id: id, key: key} AS row
  ORDER BY row.key, row.id
  LIMIT $limit
} AS page

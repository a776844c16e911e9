// name: api_list_organisations
// purpose: API list: organisations, optionally only those operating in the place $place, of the kind $kind, and whose name holds $search. Sorted by $sort ('id' or 'name', then id), after the keyset cursor ($after_key, $after_id), at most $limit ids; total counts every match, not only the page. The count and the page are two subqueries: the page is a keyset WHERE and a LIMIT (a top-N sort), never a list of every match.
// parameters: place, kind, search, sort, after_key, after_id, limit
// columns: total, page
RETURN COUNT {
  MATCH (n:Organisation)
  WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    AND ($place IS NULL OR EXISTS { (n)-[:OPERATES_IN]->(:Place {id: $place}) })
    AND ($kind IS NULL OR n.kind = $kind)
} AS total,
COLLECT {
  MATCH (n:Organisation)
  WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    AND ($place IS NULL OR EXISTS { (n)-[:OPERATES_IN]->(:Place {id: $place}) })
    AND ($kind IS NULL OR n.kind = $kind)
  WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
  WHERE $after_id IS NULL OR key > $after_key OR (key = $after_key AND id > $after_id)
  RETURN {id: id, key: key} AS row
  ORDER BY row.key, row.id
  LIMIT $limit
} AS page

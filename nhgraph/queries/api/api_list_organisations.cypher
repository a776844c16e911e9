// name: api_list_organisations
// purpose: API list: organisations, optionally only those operating in the place $place, of the kind $kind, and whose name holds $search. Sorted by $sort ('id' or 'name', then id), after the keyset cursor ($after_key, $after_id), at most $limit ids; total counts every match, not only the page. The count and the page are two expressions, each a CASE that takes one path by the filters given: never a list of every match.
// parameters: place, kind, search, sort, after_key, after_id, limit
// columns: total, page
// Unfiltered, the count is the label's count (the counts store) and the page reads the id or
// name index in order from the cursor and stops at $limit: England's 19,030 organisations'
// first page went from 81 ms (a top-N sort of every organisation) to 11 ms. A place starts
// from the place and top-N sorts only what it finds. A kind reads the (kind, id) or (kind, name)
// index in order from the cursor: ordered by the kind first, which the equality fixes, the
// index gives the order and the page stops at $limit (England's 10,435 pharmacies: 43 ms by
// a top-N sort of every one, 3 ms so). A search alone reads the id or name index in order and
// filters (CONTAINS on a lowered name has no index), so its count reads every name.
RETURN CASE
  WHEN $search IS NULL AND $place IS NULL AND $kind IS NULL THEN COUNT { MATCH (n:Organisation) }
  WHEN $place IS NOT NULL THEN COUNT {
    MATCH (:Place {id: $place})<-[:OPERATES_IN]-(n:Organisation)
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($kind IS NULL OR n.kind = $kind) }
  WHEN $kind IS NOT NULL THEN COUNT {
    MATCH (n:Organisation {kind: $kind})
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search)) }
  ELSE COUNT {
    MATCH (n:Organisation)
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search)) }
END AS total,
CASE
  WHEN $place IS NOT NULL THEN COLLECT {
    MATCH (:Place {id: $place})<-[:OPERATES_IN]-(n:Organisation)
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($kind IS NULL OR n.kind = $kind)
    WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
    WHERE $after_id IS NULL OR key > $after_key OR (key = $after_key AND id > $after_id)
    RETURN {id: id, key: key} AS row
    ORDER BY row.key, row.id
    LIMIT $limit
  }
  WHEN $kind IS NOT NULL AND $sort = 'name' THEN COLLECT {
    MATCH (n:Organisation)
    WHERE n.kind = $kind AND n.name >= coalesce($after_key, '')
      AND ($after_id IS NULL OR n.name > $after_key OR n.id > $after_id)
      AND ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    RETURN {id: n.id, key: n.name} AS row
    ORDER BY n.kind, n.name, n.id
    LIMIT $limit
  }
  WHEN $kind IS NOT NULL THEN COLLECT {
    MATCH (n:Organisation)
    WHERE n.kind = $kind AND n.id > coalesce($after_id, '')
      AND ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    RETURN {id: n.id, key: n.id} AS row
    ORDER BY n.kind, n.id
    LIMIT $limit
  }
  WHEN $sort = 'name' THEN COLLECT {
    MATCH (n:Organisation)
    WHERE n.name >= coalesce($after_key, '') AND ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($after_id IS NULL OR n.name > $after_key OR n.id > $after_id)
    RETURN {id: n.id, key: n.name} AS row
    ORDER BY n.name, n.id
    LIMIT $limit
  }
  ELSE COLLECT {
    MATCH (n:Organisation)
    WHERE n.id > coalesce($after_id, '') AND ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
    RETURN {id: n.id, key: n.id} AS row
    ORDER BY n.id
    LIMIT $limit
  }
END AS page

// name: api_list_services
// purpose: API list: services, optionally only those for an area in the place $place, of the function $function, with the status $status, and whose name holds $search. Sorted by $sort ('id' or 'name', then id), after the keyset cursor ($after_key, $after_id), at most $limit ids; total counts every match, not only the page. The count and the page are two expressions, each a CASE that takes one path by the filters given: never a list of every match.
// parameters: place, function, status, search, sort, after_key, after_id, limit
// columns: total, page
// Unfiltered, the count is the label's count and the page reads the id or name index in order
// from the cursor, stopping at $limit (England's 2,968 services: 20 ms by a top-N sort of
// every service). A place starts from the place (its own services and those of the areas in
// it), and top-N sorts only what it finds (England's services in a place: 63 ms by testing
// every service, 9 ms so). A function is counted from the function; a rare one's page (500
// matches or fewer) is top-N sorted from it, a common one's (frailty: 1,336 of England's
// 2,968) reads the index in order and filters, as a status or a search alone does, stopping at
// $limit (23 ms by sorting every frailty service).
WITH CASE
  WHEN $search IS NULL AND $place IS NULL AND $function IS NULL AND $status IS NULL
  THEN COUNT { MATCH (n:Service) }
  WHEN $place IS NOT NULL THEN COUNT {
    MATCH (:Place {id: $place})<-[:IN_PLACE*0..1]-()<-[:FOR_AREA]-(n:Service)
    WITH DISTINCT n
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
      AND ($status IS NULL OR n.status = $status)
    RETURN n
  }
  WHEN $function IS NOT NULL THEN COUNT {
    MATCH (:Function {id: $function})<-[:OF_FUNCTION]-(n:Service)
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($status IS NULL OR n.status = $status)
  }
  ELSE COUNT {
    MATCH (n:Service)
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($status IS NULL OR n.status = $status)
  }
END AS total
RETURN total, CASE
  WHEN $place IS NOT NULL THEN COLLECT {
    MATCH (:Place {id: $place})<-[:IN_PLACE*0..1]-()<-[:FOR_AREA]-(n:Service)
    WITH DISTINCT n
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
      AND ($status IS NULL OR n.status = $status)
    WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
    WHERE $after_id IS NULL OR key > $after_key OR (key = $after_key AND id > $after_id)
    RETURN {id: id, key: key} AS row
    ORDER BY row.key, row.id
    LIMIT $limit
  }
  WHEN $function IS NOT NULL AND total <= 500 THEN COLLECT {
    MATCH (:Function {id: $function})<-[:OF_FUNCTION]-(n:Service)
    WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($status IS NULL OR n.status = $status)
    WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
    WHERE $after_id IS NULL OR key > $after_key OR (key = $after_key AND id > $after_id)
    RETURN {id: id, key: key} AS row
    ORDER BY row.key, row.id
    LIMIT $limit
  }
  WHEN $sort = 'name' THEN COLLECT {
    MATCH (n:Service)
    WHERE n.name >= coalesce($after_key, '')
      AND ($after_id IS NULL OR n.name > $after_key OR n.id > $after_id)
      AND ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
      AND ($status IS NULL OR n.status = $status)
    RETURN {id: n.id, key: n.name} AS row
    ORDER BY n.name, n.id
    LIMIT $limit
  }
  ELSE COLLECT {
    MATCH (n:Service)
    WHERE n.id > coalesce($after_id, '')
      AND ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
      AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
      AND ($status IS NULL OR n.status = $status)
    RETURN {id: n.id, key: n.id} AS row
    ORDER BY n.id
    LIMIT $limit
  }
END AS page

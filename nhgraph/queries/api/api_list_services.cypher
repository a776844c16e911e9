// name: api_list_services
// purpose: API list: services, optionally only those for an area in the place $place, of the function $function, with the status $status, and whose name holds $search. Sorted by $sort ('id' or 'name', then id), after the keyset cursor ($after_key, $after_id), at most $limit ids; total counts every match, not only the page.
// parameters: place, function, status, search, sort, after_key, after_id, limit
// columns: total, page
MATCH (n:Service)
WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
  AND ($place IS NULL OR EXISTS { (n)-[:FOR_AREA]->(a) WHERE a.id = $place
                                   OR EXISTS { (a)-[:IN_PLACE]->(:Place {id: $place}) } })
  AND ($function IS NULL OR EXISTS { (n)-[:OF_FUNCTION]->(:Function {id: $function}) })
  AND ($status IS NULL OR n.status = $status)
WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
ORDER BY key, id
WITH collect({id: id, key: key}) AS rows
RETURN size(rows) AS total,
       [r IN rows WHERE $after_id IS NULL OR r.key > $after_key
                     OR (r.key = $after_key AND r.id > $after_id)][..$limit] AS page

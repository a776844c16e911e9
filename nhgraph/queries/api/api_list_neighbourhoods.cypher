// name: api_list_neighbourhoods
// purpose: API list: neighbourhoods, optionally only those of the place $place and whose name holds $search. Sorted by $sort ('id' or 'name', then id), after the keyset cursor ($after_key, $after_id), at most $limit ids; total counts every match, not only the page.
// parameters: place, search, sort, after_key, after_id, limit
// columns: total, page
MATCH (n:Neighbourhood)
WHERE ($search IS NULL OR toLower(n.name) CONTAINS toLower($search))
  AND ($place IS NULL OR EXISTS { (n)-[:IN_PLACE]->(:Place {id: $place}) })
WITH n.id AS id, CASE $sort WHEN 'name' THEN n.name ELSE n.id END AS key
ORDER BY key, id
WITH collect({id: id, key: key}) AS rows
RETURN size(rows) AS total,
       [r IN rows WHERE $after_id IS NULL OR r.key > $after_key
                     OR (r.key = $after_key AND r.id > $after_id)][..$limit] AS page

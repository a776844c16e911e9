// name: ints_missing_core_offer
// purpose: Gaps: INTs missing core-offer functions in their consistent tier on the day $on, with the residents they serve. $core_offer lists {function, place} requirements (place null for London-wide), read from the core-offer shapes; $place limits to one place (null for all).
// parameters: core_offer, place, on
// columns: place, int, name, missing, population, most_deprived_decile
// kind: gap
// subject: int, name
MATCH (i:Int)-[:IN_PLACE]->(p:Place)
WHERE $place IS NULL OR p.id = $place
WITH i, p, [req IN $core_offer WHERE req.place IS NULL OR req.place = p.id | req.function]
     AS required
CALL (i) {
  OPTIONAL MATCH (i)<-[:OF_INT]-(m:Membership {tier: 'consistent'})-[:MEMBER]->(:Team)
                 -[:CARRIES]->(f:Function)
  WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  RETURN collect(DISTINCT f.id) AS offered
}
WITH i, p, [fn IN required WHERE NOT fn IN offered] AS missing
WHERE size(missing) > 0
CALL (i) {
  OPTIONAL MATCH (i)-[:SERVES]->(:Neighbourhood)-[:COVERS]->(l:Lsoa)
  WITH DISTINCT l
  RETURN sum(l.population) AS population, min(l.imd_decile) AS most_deprived_decile
}
RETURN p.id AS place, i.id AS int, i.name AS name, missing, population, most_deprived_decile
ORDER BY most_deprived_decile, population DESC, int

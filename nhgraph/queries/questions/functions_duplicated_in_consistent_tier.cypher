// name: functions_duplicated_in_consistent_tier
// purpose: Overlaps: one function supplied by more than one team in an INT's consistent tier on the day $on, with the teams and their providers, in one place or all ($place null).
// parameters: on, place
// columns: place, int, function, teams, providers
// kind: overlap
// subject: int
MATCH (i:Int)-[:IN_PLACE]->(p:Place)
WHERE $place IS NULL OR p.id = $place
MATCH (i)<-[:OF_INT]-(m:Membership {tier: 'consistent'})-[:MEMBER]->(t:Team)-[:CARRIES]->(f:Function)
WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
OPTIONAL MATCH (t)-[:PROVIDED_BY]->(o:Organisation)
WITH p, i, f, t, o ORDER BY t.id
WITH p, i, f, collect(DISTINCT t.id) AS teams, collect(DISTINCT o.id) AS providers
WHERE size(teams) > 1
RETURN p.id AS place, i.id AS int, f.id AS function, teams, providers
ORDER BY place, int, function

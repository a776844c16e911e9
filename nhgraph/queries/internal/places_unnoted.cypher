// name: places_unnoted
// purpose: History: how many stored places a change set has not yet named; once none, no further walk of its changed nodes can add a place, so the recorder stops walking.
// parameters: noted
// columns: unnoted
MATCH (p:Place)
WHERE NOT p.id IN $noted
RETURN count(p) AS unnoted

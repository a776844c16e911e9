// name: services_overlapping
// purpose: Overlaps: active services of one function from different providers covering the same LSOAs (a service's area is its LSOAs, its neighbourhoods' LSOAs and its places' LSOAs), one row per function and set of services, with the LSOAs and residents they share, in one place or all ($place null).
// parameters: place
// columns: function, services, providers, lsoas, population, most_deprived_decile
// kind: overlap
// subject: function
// Each service's function and provider are found once, then its area is expanded to LSOAs
// (a place-wide service to the place's LSOAs) and LSOAs are grouped by function: about 15,000
// rows for London's demo services. (Matching the function and provider after the expansion
// did it once per LSOA: over 100,000 times for England.)
MATCH (svc:Service {status: 'active'})-[:OF_FUNCTION]->(f:Function)
MATCH (svc)-[:PROVIDED_BY]->(o:Organisation)
MATCH (svc)-[:FOR_AREA]->(area)
WITH f, svc, o, CASE
       WHEN area:Lsoa THEN [area]
       WHEN area:Neighbourhood THEN COLLECT { MATCH (area)-[:COVERS]->(l:Lsoa) RETURN l }
       ELSE COLLECT { MATCH (area)<-[:IN_PLACE]-(l:Lsoa) RETURN l }
     END AS covered
UNWIND covered AS l
WITH DISTINCT f, svc, o, l
WHERE $place IS NULL OR EXISTS { (l)-[:IN_PLACE]->(:Place {id: $place}) }
WITH f, l, svc, o ORDER BY svc.id
WITH f, l, collect(svc.id) AS services, collect(DISTINCT o.id) AS providers
WHERE size(providers) > 1
RETURN f.id AS function, services, providers, count(l) AS lsoas, sum(l.population) AS population,
       min(l.imd_decile) AS most_deprived_decile
ORDER BY population DESC, function

// name: ints_without_specialty
// purpose: Gaps: INTs with no specialist of the $specialty (a role notation, such as consultant_geriatrician) aligned on the day $on, with the residents they serve.
// parameters: specialty, on
// columns: place, int, name, population
MATCH (i:Int)-[:IN_PLACE]->(p:Place)
WHERE NOT EXISTS {
  MATCH (a:SpecialistAlignment)-[:ALIGNED_TO]->(i)
  MATCH (a)-[:IN_SPECIALTY]->(:Role {id: $specialty})
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
}
OPTIONAL MATCH (i)-[:SERVES]->(:Neighbourhood)-[:COVERS]->(l:Lsoa)
RETURN p.id AS place, i.id AS int, i.name AS name, sum(l.population) AS population
ORDER BY place, int

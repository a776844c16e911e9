// name: ints_without_specialty
// purpose: Gaps: INTs with no specialist of the $specialty (a role notation, such as consultant_geriatrician) aligned on the day $on, with the residents they serve and the most deprived decile among them.
// parameters: specialty, on
// columns: place, int, name, population, most_deprived_decile
// kind: gap
// subject: int, name
MATCH (i:Int)-[:IN_PLACE]->(p:Place)
WHERE NOT EXISTS {
  MATCH (a:SpecialistAlignment)-[:ALIGNED_TO]->(i)
  MATCH (a)-[:IN_SPECIALTY]->(:Role {id: $specialty})
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
}
CALL (i) {
  OPTIONAL MATCH (i)-[:SERVES]->(:Neighbourhood)-[:COVERS]->(l:Lsoa)
  WITH DISTINCT l
  RETURN sum(l.population) AS population, min(l.imd_decile) AS most_deprived_decile
}
RETURN p.id AS place, i.id AS int, i.name AS name, population, most_deprived_decile
ORDER BY place, int

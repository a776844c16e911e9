// name: places_without_integrator
// purpose: Gaps: places with no integrator appointed on the day $on (a date), with their population and most deprived decile.
// parameters: on
// columns: place, name, population, most_deprived_decile
// kind: gap
// subject: place, name
MATCH (p:Place)
WHERE NOT EXISTS {
  MATCH (a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(p)
  WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
}
OPTIONAL MATCH (l:Lsoa)-[:IN_PLACE]->(p)
RETURN p.id AS place, p.name AS name, sum(l.population) AS population,
       min(l.imd_decile) AS most_deprived_decile
ORDER BY place

// name: priority_cohorts_without_service
// purpose: Gaps: cohorts a neighbourhood prioritises for which no active service names the cohort for the neighbourhood, one of its LSOAs or its place, with the neighbourhood's residents and most deprived decile, in one place or all ($place null).
// parameters: place
// columns: place, neighbourhood, name, cohort, cohort_label, population, most_deprived_decile
// kind: gap
// subject: neighbourhood, name
MATCH (n:Neighbourhood)-[:PRIORITISES]->(c:Cohort)
MATCH (n)-[:IN_PLACE]->(p:Place)
WHERE ($place IS NULL OR p.id = $place)
  AND NOT EXISTS { (n)<-[:FOR_AREA]-(:Service {status: 'active'})-[:FOR_COHORT]->(c) }
  AND NOT EXISTS { (p)<-[:FOR_AREA]-(:Service {status: 'active'})-[:FOR_COHORT]->(c) }
  AND NOT EXISTS {
    (n)-[:COVERS]->(:Lsoa)<-[:FOR_AREA]-(:Service {status: 'active'})-[:FOR_COHORT]->(c)
  }
CALL (n) {
  OPTIONAL MATCH (n)-[:COVERS]->(l:Lsoa)
  RETURN sum(l.population) AS population, min(l.imd_decile) AS most_deprived_decile
}
RETURN p.id AS place, n.id AS neighbourhood, n.name AS name, c.id AS cohort,
       c.label AS cohort_label, population, most_deprived_decile
ORDER BY most_deprived_decile, population DESC, neighbourhood, cohort

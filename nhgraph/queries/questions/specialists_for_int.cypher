// name: specialists_for_int
// purpose: The specialists aligned to an INT on the day $on, for one specialty or all ($specialty null): specialty, provider, sessions a week.
// parameters: int, specialty, on
// columns: specialty, specialty_label, provider, provider_name, sessions_per_week, post, start, end
// kind: specialist
// subject: specialty, specialty_label
MATCH (a:SpecialistAlignment)-[:ALIGNED_TO]->(:Int {id: $int})
MATCH (a)-[:IN_SPECIALTY]->(r:Role)
WHERE ($specialty IS NULL OR r.id = $specialty)
  AND a.start <= $on AND (a.end IS NULL OR a.end >= $on)
OPTIONAL MATCH (a)-[:PROVIDED_BY]->(o:Organisation)
OPTIONAL MATCH (a)-[:BY_POST]->(post:Post)
RETURN r.id AS specialty, r.label AS specialty_label, o.id AS provider, o.name AS provider_name,
       a.sessions_per_week AS sessions_per_week, post.id AS post, a.start AS start, a.end AS end
ORDER BY specialty, provider

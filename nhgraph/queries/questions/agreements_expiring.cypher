// name: agreements_expiring
// purpose: Data sharing: active agreements that end within $days days of the day $on (inclusive), soonest first, with how many parties and which places' partners they name.
// parameters: on, days
// columns: agreement, name, valid_to, days_left, review_date, parties, places
// kind: sharing
// subject: agreement, name
MATCH (d:DataSharingAgreement {status: 'active'})
WHERE d.valid_from <= $on AND d.valid_to >= $on AND d.valid_to <= $on + duration({days: $days})
CALL (d) {
  MATCH (d)-[:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(o:Organisation)
  OPTIONAL MATCH (o)-[:OPERATES_IN]->(p:Place)
  WITH collect(DISTINCT o.id) AS parties, collect(DISTINCT p.id) AS places
  RETURN size(parties) AS parties, COLLECT { UNWIND places AS x RETURN x ORDER BY x } AS places
}
RETURN d.id AS agreement, d.name AS name, d.valid_to AS valid_to,
       duration.inDays($on, d.valid_to).days AS days_left, d.review_date AS review_date,
       parties, places
ORDER BY valid_to, agreement

// name: api_validation_runs
// purpose: API: the saved validation runs, latest first (the log's latest one first of all), at most $first; each with whether it is the latest, whose findings are the current ones.
// parameters: first
// columns: run, latest
OPTIONAL MATCH (log:ValidationLog {id: 'validation'})
MATCH (r:ValidationRun)
RETURN r {.*} AS run, r.id = log.latest AS latest
ORDER BY latest DESC, r.at DESC
LIMIT $first

// name: validation_run_replace
// purpose: Validation status: remove the previous runs' findings (only the latest run's are current) and all but the $keep latest runs' summaries, in the transaction that writes the new run, after validation_run_start has taken the log's lock.
// parameters: id, keep
// columns: removed
OPTIONAL MATCH (old:ValidationFinding)
DETACH DELETE old
WITH count(old) AS removed
CALL (removed) {
  MATCH (r:ValidationRun) WHERE r.id <> $id
  WITH r ORDER BY r.at DESC SKIP $keep
  DETACH DELETE r
}
RETURN removed

// name: validation_run_start
// purpose: Validation status: open a saved run. The one log node is written first, so two saves at once take turns (the second waits for the first to commit, then replaces its findings); it names the latest run. The run keeps its counts by severity (with those about records only governance reads counted apart), the findings not stored past the cap, the day judged, the shapes' digest and what triggered it.
// parameters: id, at, on, trigger, conforms, violations, warnings, infos, restricted_violations, restricted_warnings, restricted_infos, stored, not_stored, restricted_not_stored, cap, shapes
// columns: id
MERGE (log:ValidationLog {id: 'validation'})
SET log.latest = $id, log.at = $at
CREATE (r:ValidationRun {id: $id, at: $at, on: $on, trigger: $trigger, conforms: $conforms,
                         violations: $violations, warnings: $warnings, infos: $infos,
                         restricted_violations: $restricted_violations,
                         restricted_warnings: $restricted_warnings,
                         restricted_infos: $restricted_infos,
                         stored: $stored, not_stored: $not_stored,
                         restricted_not_stored: $restricted_not_stored,
                         cap: $cap, shapes: $shapes})
RETURN r.id AS id

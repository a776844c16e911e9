// name: validation_findings_add
// purpose: Validation status: a batch of the run's findings, each naming the node it is about as 'Label/id' (as Edit records name theirs) and its run by id, with no edge at all, so no walk, question, export or stored-graph validation of the model meets them (and a save writes one node per finding, nothing more).
// parameters: run, at, rows
// columns: added
UNWIND $rows AS row
CREATE (f:ValidationFinding {node: row.node, rule: row.rule, severity: row.severity,
                             message: row.message, path: row.path, value: row.value,
                             focus: row.focus, restricted: row.restricted, run: $run, at: $at})
RETURN count(f) AS added

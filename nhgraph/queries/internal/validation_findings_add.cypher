// name: validation_findings_add
// purpose: Validation status: a batch of the run's findings, each naming the node it is about as 'Label/id' (as Edit records name theirs), never linked to it, so no walk, question, export or stored-graph validation of the model meets them.
// parameters: run, at, rows
// columns: added
MATCH (r:ValidationRun {id: $run})
UNWIND $rows AS row
CREATE (f:ValidationFinding {node: row.node, rule: row.rule, severity: row.severity,
                             message: row.message, path: row.path, value: row.value,
                             focus: row.focus, restricted: row.restricted, at: $at})
CREATE (f)-[:IN_RUN]->(r)
RETURN count(f) AS added

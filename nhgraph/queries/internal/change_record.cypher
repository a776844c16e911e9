// name: change_record
// purpose: History: record a batch of one change set's changes, one node each (its label, id, operation, the fields it changed, and its record before the change as JSON, null for a create).
// parameters: rows, id, at
// columns: written
UNWIND $rows AS row
CREATE (c:Change {change_set: $id, recorded_at: $at, label: row.label, node_id: row.node_id,
                  operation: row.operation, before: row.before, fields: row.fields})
WITH c
RETURN count(*) AS written

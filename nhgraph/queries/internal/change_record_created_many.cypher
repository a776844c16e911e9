// name: change_record_created_many
// purpose: History: record the creations of one label in one change set as bulk changes, each naming many created nodes by id (node_ids), labelled CreatedMany so a node's history finds them; no before (a creation has none).
// parameters: rows, id, at
// columns: written
UNWIND $rows AS row
CREATE (c:Change:CreatedMany {change_set: $id, recorded_at: $at, label: row.label,
                              node_ids: row.node_ids, operation: 'created', before: null, fields: []})
WITH c
RETURN count(*) AS written

// name: edit_record
// purpose: Edits: record one edit (its id, action, who made it and when, and the nodes it wrote as 'Label/id'), in the edit's own transaction, so the record and the change commit together.
// parameters: id, action, by, at, nodes
// columns: id
CREATE (e:Edit {id: $id, action: $action, by: $by, at: $at,
                nodes: [x IN $nodes | x.label + '/' + x.id]})
RETURN e.id AS id

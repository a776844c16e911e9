// name: edit_record
// purpose: Edits: record one edit (its id, action, who made it and when, and the nodes it wrote as 'Label/id') on its change set, which the writer has made in the edit's own transaction, so the record and the change commit together.
// parameters: id, action, by, at, nodes
// columns: id
MERGE (e:Edit {id: $id})
SET e:ChangeSet, e.action = $action, e.by = $by, e.at = $at,
    e.nodes = [x IN $nodes | x.label + '/' + x.id]
RETURN e.id AS id

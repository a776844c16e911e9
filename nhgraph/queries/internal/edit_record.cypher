// name: edit_record
// purpose: Edits: record one edit (its id, action, who made it and when, and the nodes it wrote as 'Label/id') on its change set (kind 'edit', made here if the writer has not), in the edit's own transaction, so the record and the change commit together.
// parameters: id, action, by, at, nodes
// columns: id
MERGE (e:ChangeSet {id: $id})
ON CREATE SET e.kind = 'edit', e.recorded_at = $at, e.editor = $by, e.reason = $action,
              e.sources = [], e.source_versions = [], e.created = 0, e.updated = 0, e.removed = 0,
              e.places = []
SET e:Edit, e.action = $action, e.by = $by, e.at = $at,
    e.nodes = [x IN $nodes | x.label + '/' + x.id]
RETURN e.id AS id

// name: change_set_record
// purpose: History: record one change set (a load's or an edit's: who or what made it, when, its counts and the places it touches) in the write's own transaction; an edit's change set is its Edit record too.
// parameters: id, at, kind, sources, versions, editor, reason, created, updated, removed, places
// columns: id
CREATE (s:ChangeSet {id: $id, recorded_at: $at, kind: $kind, sources: $sources,
                     source_versions: $versions, editor: $editor, reason: $reason,
                     created: $created, updated: $updated, removed: $removed, places: $places})
FOREACH (_ IN CASE WHEN $kind = 'edit' THEN [1] ELSE [] END | SET s:Edit)
RETURN s.id AS id

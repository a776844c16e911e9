// name: graph_version_advance
// purpose: The graph's version: a write gives it a new token as its last statement, in the write's own transaction, so the token changes exactly when the write commits.
// parameters: none
// columns: token
MERGE (v:GraphVersion {id: 'graph'})
SET v.token = randomUUID(), v.at = datetime()
RETURN v.token AS token

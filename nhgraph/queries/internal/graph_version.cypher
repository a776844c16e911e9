// name: graph_version
// purpose: The graph's version: the token of its last committed write (no row before the first), for the caches that must not outlive a change.
// parameters: none
// columns: token, at
MATCH (v:GraphVersion {id: 'graph'})
RETURN v.token AS token, v.at AS at

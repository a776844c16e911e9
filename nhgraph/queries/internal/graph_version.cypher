// name: graph_version
// purpose: The graph's version: the token of its last committed write (no row before the first), for the caches that must not outlive a change. The token alone: the API's response cache reads it on every request.
// parameters: none
// columns: token
MATCH (v:GraphVersion {id: 'graph'})
RETURN v.token AS token

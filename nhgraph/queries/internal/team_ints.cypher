// name: team_ints
// purpose: The INTs each team ($teams) is a member of on the day $on, with the INTs' names and the team's provider: what a change of a team's provider touches.
// parameters: teams, on
// columns: team, team_name, provider, provider_name, ints
UNWIND $teams AS id
MATCH (t:Team {id: id})
OPTIONAL MATCH (t)-[:PROVIDED_BY]->(o:Organisation)
RETURN t.id AS team, t.name AS team_name, o.id AS provider, o.name AS provider_name,
       COLLECT {
         MATCH (t)<-[:MEMBER]-(m:Membership)-[:OF_INT]->(i:Int)
         WHERE (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
         RETURN DISTINCT {id: i.id, name: i.name} AS int ORDER BY int.id
       } AS ints
ORDER BY team

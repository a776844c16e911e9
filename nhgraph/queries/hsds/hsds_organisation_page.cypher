// name: hsds_organisation_page
// purpose: HSDS: one keyset page of the directory's organisations (id order) after $after_id, skipping $skip, at most $limit: those that provide a service, and the PCN a provider is a member of on $on; whose name holds $search.
// parameters: after_id, skip, limit, search, on
// columns: id, hsds_id
MATCH (o:Organisation)
WHERE o.id > coalesce($after_id, '')
  AND ($search IS NULL OR toLower(o.name) CONTAINS toLower($search))
  AND (EXISTS { (o)<-[:PROVIDED_BY]-(:Service) }
       OR EXISTS { (o)<-[:OF_PCN]-(m:PcnMembership)-[:MEMBER]->(:Organisation)<-[:PROVIDED_BY]-(:Service)
                   WHERE m.start <= $on AND (m.end IS NULL OR m.end >= $on) })
RETURN o.id AS id, o.hsds_id AS hsds_id
ORDER BY o.id
SKIP $skip
LIMIT $limit

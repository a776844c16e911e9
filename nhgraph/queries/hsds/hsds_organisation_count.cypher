// name: hsds_organisation_count
// purpose: HSDS: how many organisations hsds_organisation_page lists (those that provide a service, and their PCNs on $on) whose name holds $search; counted, not collected.
// parameters: search, on
// columns: total
MATCH (o:Organisation)
WHERE ($search IS NULL OR toLower(o.name) CONTAINS toLower($search))
  AND (EXISTS { (o)<-[:PROVIDED_BY]-(:Service) }
       OR EXISTS { (o)<-[:OF_PCN]-(m:PcnMembership)-[:MEMBER]->(:Organisation)<-[:PROVIDED_BY]-(:Service)
                   WHERE m.start <= $on AND (m.end IS NULL OR m.end >= $on) })
RETURN count(o) AS total

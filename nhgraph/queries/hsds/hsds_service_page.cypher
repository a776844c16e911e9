// name: hsds_service_page
// purpose: HSDS: one keyset page of services (id order) after $after_id, skipping $skip, at most $limit: those whose name holds $search, of the function $function, for the cohort $cohort, reached by the channel $channel, with any term of the scheme $scheme, with self-referral $self_referral, provided by $organisation, loaded on or after $modified_after, among $services (a list, or null for all).
// parameters: after_id, skip, limit, search, function, cohort, channel, scheme, self_referral, organisation, modified_after, services
// columns: id, hsds_id
// The ids come in the order of the Service id index, so the page is read from the index and
// cut at $limit: nothing collects every match.
MATCH (s:Service)
WHERE s.id > coalesce($after_id, '')
  AND ($search IS NULL OR toLower(s.name) CONTAINS toLower($search))
  AND ($function IS NULL OR EXISTS { (s)-[:OF_FUNCTION]->(:Function {id: $function}) })
  AND ($cohort IS NULL OR EXISTS { (s)-[:FOR_COHORT]->(:Cohort {id: $cohort}) })
  AND ($channel IS NULL OR $channel IN coalesce(s.channels, []))
  AND ($scheme IS NULL
       OR ($scheme = 'function' AND EXISTS { (s)-[:OF_FUNCTION]->(:Function) })
       OR ($scheme = 'cohort' AND EXISTS { (s)-[:FOR_COHORT]->(:Cohort) })
       OR ($scheme = 'channel' AND size(coalesce(s.channels, [])) > 0)
       OR ($scheme = 'referral' AND s.self_referral = true))
  AND ($self_referral IS NULL OR s.self_referral = $self_referral)
  AND ($organisation IS NULL OR EXISTS { (s)-[:PROVIDED_BY]->(:Organisation {id: $organisation}) })
  AND ($modified_after IS NULL OR s.loaded_at >= datetime($modified_after))
  AND ($services IS NULL OR s.id IN $services)
RETURN s.id AS id, s.hsds_id AS hsds_id
ORDER BY s.id
SKIP $skip
LIMIT $limit

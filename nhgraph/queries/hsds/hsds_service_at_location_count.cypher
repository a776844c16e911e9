// name: hsds_service_at_location_count
// purpose: HSDS: how many services at sites the filters of hsds_service_at_location_page match, counted, not collected.
// parameters: search, function, cohort, channel, scheme, self_referral, organisation, modified_after, services, latitude, longitude, metres
// columns: total
MATCH (s:Service)-[:AT_SITE]->(x:Site)
WHERE true
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
  AND ($latitude IS NULL OR EXISTS {
        MATCH (p:Postcode {id: x.postcode})
        WHERE point.distance(point({latitude: p.latitude, longitude: p.longitude}),
                             point({latitude: $latitude, longitude: $longitude})) <= $metres })
RETURN count(*) AS total

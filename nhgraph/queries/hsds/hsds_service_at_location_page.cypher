// name: hsds_service_at_location_page
// purpose: HSDS: one keyset page of services at sites, in (service id, site id) order after ($after_service, $after_site), skipping $skip, at most $limit, with the service filters of hsds_service_page and, when $latitude is given, only sites whose postcode's centroid is within $metres of the point ($latitude, $longitude).
// parameters: after_service, after_site, skip, limit, search, function, cohort, channel, scheme, self_referral, organisation, modified_after, services, latitude, longitude, metres
// columns: service, service_hsds_id, site, site_hsds_id
MATCH (s:Service)-[:AT_SITE]->(x:Site)
WHERE (s.id > coalesce($after_service, '') OR (s.id = $after_service AND x.id > $after_site))
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
RETURN s.id AS service, s.hsds_id AS service_hsds_id, x.id AS site, x.hsds_id AS site_hsds_id
ORDER BY s.id, x.id
SKIP $skip
LIMIT $limit

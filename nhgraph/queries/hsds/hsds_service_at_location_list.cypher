// name: hsds_service_at_location_list
// purpose: HSDS: one page of a /service_at_locations list in one statement: total, how many (service, site) pairs the filters of hsds_service_at_location_page match (counted, never collected), and items, page number $skip / $limit of them in (service id, site id) order, each the service's one-to-one fields with its provider organisation and the PCN it is a member of on $on (the fields of hsds_organisations), and the site with its postcode's centroid and place. Times come as text (RFC 3339).
// parameters: skip, limit, on, search, function, cohort, channel, scheme, self_referral, organisation, modified_after, services, latitude, longitude, metres
// columns: total, items
// One round trip a page, as hsds_service_list: the count and the page are two subqueries.
RETURN COUNT {
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
} AS total,
COLLECT {
  MATCH (s:Service)-[:AT_SITE]->(x:Site)
  WHERE s.id > ''
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
  WITH s, x ORDER BY s.id, x.id SKIP $skip LIMIT $limit
  OPTIONAL CALL (x) {
    MATCH (p:Postcode {id: x.postcode})
    OPTIONAL MATCH (p)-[:IN_LSOA]->(:Lsoa)-[:IN_PLACE]->(pl:Place)
    RETURN p, pl LIMIT 1
  }
  OPTIONAL CALL (s) {
    MATCH (s)-[:PROVIDED_BY]->(o:Organisation)
    OPTIONAL CALL (o) {
      MATCH (o)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(q:Organisation)
      WHERE m.start <= $on AND (m.end IS NULL OR m.end >= $on)
      RETURN q ORDER BY q.id LIMIT 1
    }
    RETURN o, q ORDER BY o.id LIMIT 1
  }
  RETURN {id: s.id,
          node: s {.id, .name, .url, .min_age, .max_age, .status, .hsds_id,
                   loaded_at: toString(s.loaded_at)},
          provider: o.id,
          organisation: CASE WHEN o IS NULL THEN null ELSE
            {id: o.id,
             node: o {.id, .name, .kind, .postcode, .open_date, .close_date, .hsds_id, .source,
                      .source_version, loaded_at: toString(o.loaded_at)},
             pcn: q.id, pcn_hsds_id: q.hsds_id} END,
          site: x {.id, .name, .postcode, .hsds_id, latitude: p.latitude,
                   longitude: p.longitude, place: pl.name}} AS item
} AS items

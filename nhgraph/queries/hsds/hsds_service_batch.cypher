// name: hsds_service_batch
// purpose: HSDS: one keyset batch of services for an ndjson stream, in one statement: the services after $after_id in id order, at most $limit, matching the filters of hsds_service_page, each with what a list item says (the one-to-one fields) and its provider organisation with the PCN it is a member of on $on (the fields of hsds_organisations). Times come as text (RFC 3339): the driver's hydration of a datetime costs more than the rest of a batch.
// parameters: after_id, limit, on, search, function, cohort, channel, scheme, self_referral, organisation, modified_after, services
// columns: item
// One round trip a batch (the stream's lines are written a batch at a time).
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
WITH s ORDER BY s.id LIMIT $limit
OPTIONAL CALL (s) {
  MATCH (s)-[:PROVIDED_BY]->(o:Organisation)
  OPTIONAL CALL (o) {
    MATCH (o)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(p:Organisation)
    WHERE m.start <= $on AND (m.end IS NULL OR m.end >= $on)
    RETURN p ORDER BY p.id LIMIT 1
  }
  RETURN o, p ORDER BY o.id LIMIT 1
}
RETURN {id: s.id,
        node: s {.id, .name, .url, .min_age, .max_age, .status, .hsds_id,
                 loaded_at: toString(s.loaded_at)},
        provider: o.id,
        organisation: CASE WHEN o IS NULL THEN null ELSE
          {id: o.id,
           node: o {.id, .name, .kind, .postcode, .open_date, .close_date, .hsds_id, .source,
                    .source_version, loaded_at: toString(o.loaded_at)},
           pcn: p.id, pcn_hsds_id: p.hsds_id} END} AS item

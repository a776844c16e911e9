// name: hsds_service_summaries
// purpose: HSDS: services by id with only what a list item says of them (the one-to-one fields and the provider): what /services pages and ndjson carry, read without the sites and areas a fully nested service needs.
// parameters: ids
// columns: id, node, provider
UNWIND $ids AS id
MATCH (s:Service {id: id})
RETURN s.id AS id,
       s {.id, .name, .url, .min_age, .max_age, .status, .hsds_id, .loaded_at} AS node,
       [(s)-[:PROVIDED_BY]->(o:Organisation) | o.id][0] AS provider

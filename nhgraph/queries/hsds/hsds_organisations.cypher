// name: hsds_organisations
// purpose: HSDS: organisations by id, with what an HSDS organization says of them: name, kind, dates, provenance, the stored HSDS id, and the PCN a practice is a member of on $on.
// parameters: ids, on
// columns: id, node, pcn, pcn_hsds_id
UNWIND $ids AS id
MATCH (o:Organisation {id: id})
CALL (o) {
  OPTIONAL MATCH (o)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(p:Organisation)
  WHERE m.start <= $on AND (m.end IS NULL OR m.end >= $on)
  WITH p ORDER BY p.id LIMIT 1
  RETURN p
}
RETURN o.id AS id,
       o {.id, .name, .kind, .postcode, .open_date, .close_date, .hsds_id, .source,
          .source_version, .loaded_at} AS node,
       p.id AS pcn, p.hsds_id AS pcn_hsds_id

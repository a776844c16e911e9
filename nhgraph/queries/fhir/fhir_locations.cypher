// name: fhir_locations
// purpose: FHIR Location resources' content: LSOAs ($lsoas) with boundary, bounding box, place and the neighbourhoods covering them; neighbourhoods ($neighbourhoods) with their place; places ($places) with their system; sites ($sites) with their organisation and their postcode's point. One row per node found.
// parameters: lsoas, neighbourhoods, places, sites
// columns: label, node, place, neighbourhoods, organisation, latitude, longitude
CALL () {
  UNWIND $lsoas AS id
  MATCH (n:Lsoa {id: id})
  OPTIONAL MATCH (n)-[:IN_PLACE]->(p:Place)
  RETURN 'Lsoa' AS label,
         n {.id, .name, .boundary, .min_latitude, .max_latitude, .min_longitude,
            .max_longitude} AS node, p.id AS place,
         COLLECT { MATCH (n)<-[:COVERS]-(h:Neighbourhood) RETURN h.id ORDER BY h.id }
           AS neighbourhoods, null AS organisation, null AS latitude, null AS longitude
  UNION ALL
  UNWIND $neighbourhoods AS id
  MATCH (n:Neighbourhood {id: id})
  OPTIONAL MATCH (n)-[:IN_PLACE]->(p:Place)
  RETURN 'Neighbourhood' AS label, n {.id, .name} AS node, p.id AS place, [] AS neighbourhoods,
         null AS organisation, null AS latitude, null AS longitude
  UNION ALL
  UNWIND $places AS id
  MATCH (n:Place {id: id})
  RETURN 'Place' AS label, n {.id, .name} AS node, null AS place, [] AS neighbourhoods,
         null AS organisation, null AS latitude, null AS longitude
  UNION ALL
  UNWIND $sites AS id
  MATCH (n:Site {id: id})
  OPTIONAL MATCH (n)-[:SITE_OF]->(o:Organisation)
  OPTIONAL MATCH (c:Postcode {id: n.postcode})
  RETURN 'Site' AS label, n {.id, .name, .postcode} AS node, null AS place, [] AS neighbourhoods,
         o.id AS organisation, c.latitude AS latitude, c.longitude AS longitude
}
RETURN label, node, place, neighbourhoods, organisation, latitude, longitude

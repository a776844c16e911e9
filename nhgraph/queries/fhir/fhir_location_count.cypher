// name: fhir_location_count
// purpose: FHIR search: how many match the filters of fhir_location_page (the searchset's total; with $before, how many come before it, for a previous page), counted, never collected.
// parameters: label, node, name, contains, partof, south, north, west, east, before
// columns: total
CALL () {
  MATCH (n:Lsoa)
  WHERE ($label IS NULL OR $label = 'Lsoa') AND ($node IS NULL OR n.id = $node)
    AND ($partof IS NULL OR EXISTS { (n)-[:IN_PLACE]->(:Place {id: $partof}) }
         OR EXISTS { (n)<-[:COVERS]-(:Neighbourhood {id: $partof}) })
    AND ($south IS NULL OR (n.max_latitude >= $south AND n.min_latitude <= $north
                            AND n.max_longitude >= $west AND n.min_longitude <= $east))
  RETURN n, n.id AS fid
  UNION ALL
  MATCH (n:Neighbourhood)
  WHERE ($label IS NULL OR $label = 'Neighbourhood') AND ($node IS NULL OR n.id = $node)
    AND ($partof IS NULL OR EXISTS { (n)-[:IN_PLACE]->(:Place {id: $partof}) })
    AND $south IS NULL
  RETURN n, 'neighbourhood-' + n.id AS fid
  UNION ALL
  MATCH (n:Place)
  WHERE ($label IS NULL OR $label = 'Place') AND ($node IS NULL OR n.id = $node)
    AND $partof IS NULL AND $south IS NULL
  RETURN n, n.id AS fid
  UNION ALL
  MATCH (n:Site)
  WHERE ($label IS NULL OR $label = 'Site') AND ($node IS NULL OR n.id = $node)
    AND $partof IS NULL
    AND ($south IS NULL OR EXISTS {
          MATCH (c:Postcode {id: n.postcode})
          WHERE c.latitude >= $south AND c.latitude <= $north
            AND c.longitude >= $west AND c.longitude <= $east })
  RETURN n, 'site-' + n.id AS fid
}
WITH n, fid
WHERE ($name IS NULL OR toLower(n.name) STARTS WITH toLower($name))
  AND ($contains IS NULL OR toLower(n.name) CONTAINS toLower($contains))
  AND ($before IS NULL OR fid < $before)
RETURN count(*) AS total

// name: fhir_location_page
// purpose: FHIR Location search and export: the FHIR ids of sites (site-slug), LSOAs and places (their ONS codes) and neighbourhoods (neighbourhood-slug) matching the filters, in id order after the keyset cursor $after (or before $before, skipping $skip, for a previous page), at most $limit. Filters may be null: $label and $node (what an identifier names), $name (prefix, or $contains), $partof (the node id of the area a Location is part of: an LSOA's neighbourhoods or place, a neighbourhood's place), and a box $south, $north, $west, $east (LSOAs whose bounding box meets it; sites whose postcode's point is in it).
// parameters: label, node, name, contains, partof, south, north, west, east, after, before, skip, limit
// columns: fid
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
  AND ($after IS NULL OR fid > $after)
  AND ($before IS NULL OR fid < $before)
RETURN fid ORDER BY fid SKIP $skip LIMIT $limit

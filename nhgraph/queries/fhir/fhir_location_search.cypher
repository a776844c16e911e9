// name: fhir_location_search
// purpose: FHIR Location searchset page in one statement: total, how many match the filters of fhir_location_page (counted in a subquery, never collected), and page, the FHIR ids of at most $limit matches after the keyset cursor $after in id order, or, with $before, the $limit just before it (in descending order: the caller puts them back in order).
// parameters: label, node, name, contains, partof, south, north, west, east, after, before, limit
// columns: total, page
RETURN COUNT {
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
  RETURN fid
} AS total,
COLLECT {
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
  WITH fid
  ORDER BY CASE WHEN $before IS NULL THEN fid END,
           CASE WHEN $before IS NULL THEN null ELSE fid END DESC
  LIMIT $limit
  RETURN fid
} AS page

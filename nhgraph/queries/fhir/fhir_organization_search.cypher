// name: fhir_organization_search
// purpose: FHIR Organization searchset page in one statement: total, how many match the filters of fhir_organization_page (counted in a subquery, never collected), and page, the FHIR ids of at most $limit matches after the keyset cursor $after in id order, or, with $before, the $limit just before it (in descending order: the caller puts them back in order).
// parameters: label, node, name, contains, kinds, teams, ints, active, partof, today, after, before, limit
// columns: total, page
RETURN COUNT {
  CALL () {
    MATCH (n:Organisation)
    WHERE ($label IS NULL OR $label = 'Organisation') AND ($node IS NULL OR n.id = $node)
      AND ($kinds IS NULL OR n.kind IN $kinds)
      AND ($active IS NULL OR $active = ((n.open_date IS NULL OR n.open_date <= $today)
                                         AND (n.close_date IS NULL OR n.close_date >= $today)))
      AND ($partof IS NULL OR EXISTS {
            MATCH (n)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(:Organisation {id: $partof})
            WHERE m.start <= $today AND (m.end IS NULL OR m.end >= $today) })
    RETURN n, CASE WHEN n.id STARTS WITH 'ods:' THEN substring(n.id, 4)
                   ELSE replace(n.id, ':', '-') END AS fid
    UNION ALL
    MATCH (n:Team)
    WHERE $teams AND ($label IS NULL OR $label = 'Team') AND ($node IS NULL OR n.id = $node)
      AND ($active IS NULL OR $active)
      AND ($partof IS NULL OR EXISTS { (n)-[:PROVIDED_BY]->(:Organisation {id: $partof}) })
    RETURN n, 'team-' + n.id AS fid
    UNION ALL
    MATCH (n:Int)
    WHERE $ints AND ($label IS NULL OR $label = 'Int') AND ($node IS NULL OR n.id = $node)
      AND ($active IS NULL OR $active) AND $partof IS NULL
    RETURN n, 'int-' + n.id AS fid
  }
  WITH n, fid
  WHERE ($name IS NULL OR toLower(n.name) STARTS WITH toLower($name))
    AND ($contains IS NULL OR toLower(n.name) CONTAINS toLower($contains))
  WITH fid
  RETURN fid
} AS total,
COLLECT {
  CALL () {
    MATCH (n:Organisation)
    WHERE ($label IS NULL OR $label = 'Organisation') AND ($node IS NULL OR n.id = $node)
      AND ($kinds IS NULL OR n.kind IN $kinds)
      AND ($active IS NULL OR $active = ((n.open_date IS NULL OR n.open_date <= $today)
                                         AND (n.close_date IS NULL OR n.close_date >= $today)))
      AND ($partof IS NULL OR EXISTS {
            MATCH (n)<-[:MEMBER]-(m:PcnMembership)-[:OF_PCN]->(:Organisation {id: $partof})
            WHERE m.start <= $today AND (m.end IS NULL OR m.end >= $today) })
    RETURN n, CASE WHEN n.id STARTS WITH 'ods:' THEN substring(n.id, 4)
                   ELSE replace(n.id, ':', '-') END AS fid
    UNION ALL
    MATCH (n:Team)
    WHERE $teams AND ($label IS NULL OR $label = 'Team') AND ($node IS NULL OR n.id = $node)
      AND ($active IS NULL OR $active)
      AND ($partof IS NULL OR EXISTS { (n)-[:PROVIDED_BY]->(:Organisation {id: $partof}) })
    RETURN n, 'team-' + n.id AS fid
    UNION ALL
    MATCH (n:Int)
    WHERE $ints AND ($label IS NULL OR $label = 'Int') AND ($node IS NULL OR n.id = $node)
      AND ($active IS NULL OR $active) AND $partof IS NULL
    RETURN n, 'int-' + n.id AS fid
  }
  WITH n, fid
  WHERE ($name IS NULL OR toLower(n.name) STARTS WITH toLower($name))
    AND ($contains IS NULL OR toLower(n.name) CONTAINS toLower($contains))
  WITH fid WHERE ($after IS NULL OR fid > $after) AND ($before IS NULL OR fid < $before)
  WITH fid
  ORDER BY CASE WHEN $before IS NULL THEN fid END,
           CASE WHEN $before IS NULL THEN null ELSE fid END DESC
  LIMIT $limit
  RETURN fid
} AS page

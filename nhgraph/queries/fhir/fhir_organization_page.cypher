// name: fhir_organization_page
// purpose: FHIR Organization search and export: the FHIR ids of organisations, teams and INTs (organisation ods:X is X, other schemes scheme-code; team-slug; int-slug) matching the filters, in id order after the keyset cursor $after (or before $before, skipping $skip, for a previous page), at most $limit. Filters may be null: $node (the node id an identifier names, with $label 'Organisation', 'Team' or 'Int'), $name (prefix, or $contains), $kinds (organisation kinds; $teams and $ints say whether teams and INTs match), $active (organisations open on $today; teams and INTs are active), $partof (a team's provider, an organisation's current PCN on $today).
// parameters: label, node, name, contains, kinds, teams, ints, active, partof, today, after, before, skip, limit
// columns: fid
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
RETURN fid ORDER BY fid SKIP $skip LIMIT $limit

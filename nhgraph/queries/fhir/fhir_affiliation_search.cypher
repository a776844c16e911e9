// name: fhir_affiliation_search
// purpose: FHIR OrganizationAffiliation searchset page in one statement: total, how many match the filters of fhir_affiliation_page (counted in a subquery, never collected), and page, the FHIR ids of at most $limit matches after the keyset cursor $after in id order, or, with $before, the $limit just before it (in descending order: the caller puts them back in order).
// parameters: label, node, primary_label, primary, participating_label, participating, after, before, limit
// columns: total, page
RETURN COUNT {
  CALL () {
    MATCH (t:Team)<-[:MEMBER]-(n:Membership)-[:OF_INT]->(i:Int)
    WHERE ($label IS NULL OR $label = 'Membership') AND ($node IS NULL OR n.id = $node)
      AND ($primary IS NULL OR ($primary_label = 'Int' AND i.id = $primary))
      AND ($participating IS NULL OR ($participating_label = 'Team' AND t.id = $participating))
    RETURN 'membership-' + n.id AS fid
    UNION ALL
    MATCH (o:Organisation)<-[:MEMBER]-(n:PcnMembership)-[:OF_PCN]->(p:Organisation)
    WHERE ($label IS NULL OR $label = 'PcnMembership') AND ($node IS NULL OR n.id = $node)
      AND ($primary IS NULL OR ($primary_label = 'Organisation' AND p.id = $primary))
      AND ($participating IS NULL
           OR ($participating_label = 'Organisation' AND o.id = $participating))
    RETURN 'pcn-membership-' + n.id AS fid
    UNION ALL
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(n:SpecialistAlignment)-[:ALIGNED_TO]->(i:Int)
    WHERE ($label IS NULL OR $label = 'SpecialistAlignment') AND ($node IS NULL OR n.id = $node)
      AND ($primary IS NULL OR ($primary_label = 'Int' AND i.id = $primary))
      AND ($participating IS NULL
           OR ($participating_label = 'Organisation' AND o.id = $participating)
           OR ($participating_label = 'Team' AND EXISTS { (n)-[:BY_TEAM]->(:Team {id: $participating}) }))
    RETURN 'alignment-' + n.id AS fid
    UNION ALL
    MATCH (o:Organisation)<-[:INTEGRATOR]-(n:IntegratorAppointment)
    WHERE ($label IS NULL OR $label = 'IntegratorAppointment') AND ($node IS NULL OR n.id = $node)
      AND $primary IS NULL
      AND ($participating IS NULL
           OR ($participating_label = 'Organisation' AND o.id = $participating))
    RETURN 'integrator-' + n.id AS fid
  }
  WITH fid
  RETURN fid
} AS total,
COLLECT {
  CALL () {
    MATCH (t:Team)<-[:MEMBER]-(n:Membership)-[:OF_INT]->(i:Int)
    WHERE ($label IS NULL OR $label = 'Membership') AND ($node IS NULL OR n.id = $node)
      AND ($primary IS NULL OR ($primary_label = 'Int' AND i.id = $primary))
      AND ($participating IS NULL OR ($participating_label = 'Team' AND t.id = $participating))
    RETURN 'membership-' + n.id AS fid
    UNION ALL
    MATCH (o:Organisation)<-[:MEMBER]-(n:PcnMembership)-[:OF_PCN]->(p:Organisation)
    WHERE ($label IS NULL OR $label = 'PcnMembership') AND ($node IS NULL OR n.id = $node)
      AND ($primary IS NULL OR ($primary_label = 'Organisation' AND p.id = $primary))
      AND ($participating IS NULL
           OR ($participating_label = 'Organisation' AND o.id = $participating))
    RETURN 'pcn-membership-' + n.id AS fid
    UNION ALL
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(n:SpecialistAlignment)-[:ALIGNED_TO]->(i:Int)
    WHERE ($label IS NULL OR $label = 'SpecialistAlignment') AND ($node IS NULL OR n.id = $node)
      AND ($primary IS NULL OR ($primary_label = 'Int' AND i.id = $primary))
      AND ($participating IS NULL
           OR ($participating_label = 'Organisation' AND o.id = $participating)
           OR ($participating_label = 'Team' AND EXISTS { (n)-[:BY_TEAM]->(:Team {id: $participating}) }))
    RETURN 'alignment-' + n.id AS fid
    UNION ALL
    MATCH (o:Organisation)<-[:INTEGRATOR]-(n:IntegratorAppointment)
    WHERE ($label IS NULL OR $label = 'IntegratorAppointment') AND ($node IS NULL OR n.id = $node)
      AND $primary IS NULL
      AND ($participating IS NULL
           OR ($participating_label = 'Organisation' AND o.id = $participating))
    RETURN 'integrator-' + n.id AS fid
  }
  WITH fid WHERE ($after IS NULL OR fid > $after) AND ($before IS NULL OR fid < $before)
  WITH fid
  ORDER BY CASE WHEN $before IS NULL THEN fid END,
           CASE WHEN $before IS NULL THEN null ELSE fid END DESC
  LIMIT $limit
  RETURN fid
} AS page

// name: fhir_affiliation_page
// purpose: FHIR OrganizationAffiliation search and export: the FHIR ids of team memberships of INTs (membership-slug), PCN memberships (pcn-membership-slug), specialist alignments (alignment-slug) and integrator appointments (integrator-slug) matching the filters, in id order after the keyset cursor $after (or before $before, skipping $skip, for a previous page), at most $limit. Filters may be null: $label and $node (one affiliation), $primary (the node id of the organisation side: an INT, a PCN; $primary_label says which label), $participating (the node id of the participating side: a team, a practice, a provider, an integrator; $participating_label says which).
// parameters: label, node, primary_label, primary, participating_label, participating, after, before, skip, limit
// columns: fid
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
RETURN fid ORDER BY fid SKIP $skip LIMIT $limit

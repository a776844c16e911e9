// name: change_impact
// purpose: Impact: what changes to the organisations $changed (of which $closed close and $renamed change name) touch on the day $on: INTs that lose a team's provider, data-sharing agreements naming them, services provided by one that closes, neighbourhoods whose practices' PCNs may change, and per place the residents (LSOAs and population) whose answer to who_serves names one that closes or is renamed.
// parameters: changed, closed, renamed, on
// columns: kind, id, name, organisation, organisation_name, detail, lsoas, population
// kind: impact
// subject: id, name
// Asked of the graph as it stands before the change: a closed organisation is still there to
// follow links from. Each part is one kind of row; lsoas and population are of the area the
// row is about (an INT's neighbourhoods, a service's area, a place's residents affected).
CALL () {
  MATCH (o:Organisation)<-[:PROVIDED_BY]-(t:Team)<-[:MEMBER]-(m:Membership)-[:OF_INT]->(i:Int)
  WHERE o.id IN $closed AND (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
  CALL (i) {
    OPTIONAL MATCH (i)-[:SERVES]->(:Neighbourhood)-[:COVERS]->(l:Lsoa)
    WITH DISTINCT l
    RETURN count(l) AS lsoas, sum(l.population) AS population
  }
  RETURN 'int_loses_provider' AS kind, i.id AS id, i.name AS name, o.id AS organisation,
         o.name AS organisation_name, 'team ' + t.id + ' (' + t.name + '), ' + m.tier + ' tier'
         AS detail, lsoas, population
  UNION ALL
  MATCH (d:DataSharingAgreement)-[r:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(o:Organisation)
  WHERE o.id IN $changed AND d.status <> 'ended' AND (d.valid_to IS NULL OR d.valid_to >= $on)
  RETURN 'agreement_names_changed' AS kind, d.id AS id, d.name AS name, o.id AS organisation,
         o.name AS organisation_name,
         toLower(type(r)) + CASE WHEN o.id IN $closed THEN ', closes' ELSE ', changes' END
         AS detail, null AS lsoas, null AS population
  UNION ALL
  MATCH (svc:Service)-[:PROVIDED_BY]->(o:Organisation)
  WHERE o.id IN $closed
  CALL (svc) {
    CALL (svc) {
      MATCH (svc)-[:FOR_AREA]->(l:Lsoa) RETURN l
      UNION
      MATCH (svc)-[:FOR_AREA]->(:Neighbourhood)-[:COVERS]->(l:Lsoa) RETURN l
      UNION
      MATCH (svc)-[:FOR_AREA]->(:Place)<-[:IN_PLACE]-(l:Lsoa) RETURN l
    }
    RETURN count(l) AS lsoas, sum(l.population) AS population
  }
  RETURN 'service_provider_closes' AS kind, svc.id AS id, svc.name AS name, o.id AS organisation,
         o.name AS organisation_name, svc.status AS detail, lsoas, population
  UNION ALL
  CALL () {
    MATCH (practice:Organisation)
    WHERE practice.id IN $changed AND practice.kind = 'gp_practice'
    RETURN practice
    UNION
    MATCH (pcn:Organisation)<-[:OF_PCN]-(:PcnMembership)-[:MEMBER]->(practice:Organisation)
    WHERE pcn.id IN $changed AND pcn.kind = 'pcn'
    RETURN practice
  }
  MATCH (:Postcode {id: practice.postcode})-[:IN_LSOA]->(:Lsoa)<-[:COVERS]-(n:Neighbourhood)
  WITH n, collect(DISTINCT practice) AS practices ORDER BY n.id
  CALL (n) {
    MATCH (n)-[:COVERS]->(:Lsoa)<-[:IN_LSOA]-(pc:Postcode)
    MATCH (:Organisation {postcode: pc.id})<-[:MEMBER]-(pm:PcnMembership)-[:OF_PCN]->(pcn:Organisation)
    WHERE pm.start <= $on AND (pm.end IS NULL OR pm.end >= $on)
    WITH DISTINCT pcn ORDER BY pcn.id
    RETURN collect(pcn.id) AS pcns
  }
  RETURN 'neighbourhood_pcns_may_change' AS kind, n.id AS id, n.name AS name,
         null AS organisation, null AS organisation_name,
         'PCNs ' + reduce(s = '', p IN pcns | s + CASE s WHEN '' THEN '' ELSE ', ' END + p)
         + '; practices changing ' + reduce(s = '', p IN practices | s
         + CASE s WHEN '' THEN '' ELSE ', ' END + p.id) AS detail, null AS lsoas, null AS population
  UNION ALL
  CALL () {
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(:Team)<-[:MEMBER]-(m:Membership)-[:OF_INT]->(:Int)
          -[:SERVES]->(:Neighbourhood)-[:COVERS]->(l:Lsoa)
    WHERE (o.id IN $closed OR o.id IN $renamed)
      AND (m.start IS NULL OR m.start <= $on) AND (m.end IS NULL OR m.end >= $on)
    RETURN l, o
    UNION
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(a:SpecialistAlignment)-[:ALIGNED_TO]->(:Int)
          -[:SERVES]->(:Neighbourhood)-[:COVERS]->(l:Lsoa)
    WHERE (o.id IN $closed OR o.id IN $renamed)
      AND a.start <= $on AND (a.end IS NULL OR a.end >= $on)
    RETURN l, o
    UNION
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(:Service {status: 'active'})-[:FOR_AREA]->(l:Lsoa)
    WHERE o.id IN $closed OR o.id IN $renamed
    RETURN l, o
    UNION
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(:Service {status: 'active'})-[:FOR_AREA]->
          (:Neighbourhood)-[:COVERS]->(l:Lsoa)
    WHERE o.id IN $closed OR o.id IN $renamed
    RETURN l, o
    UNION
    MATCH (o:Organisation)<-[:PROVIDED_BY]-(:Service {status: 'active'})-[:FOR_AREA]->
          (:Place)<-[:IN_PLACE]-(l:Lsoa)
    WHERE o.id IN $closed OR o.id IN $renamed
    RETURN l, o
    UNION
    MATCH (o:Organisation)<-[:INTEGRATOR]-(a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(:Place)
          <-[:IN_PLACE]-(l:Lsoa)
    WHERE (o.id IN $closed OR o.id IN $renamed)
      AND a.start <= $on AND (a.end IS NULL OR a.end >= $on)
    RETURN l, o
  }
  MATCH (l)-[:IN_PLACE]->(p:Place)
  WITH p, l, collect(DISTINCT o.id) AS named
  WITH p, count(l) AS lsoas, sum(l.population) AS population, collect(named) AS lists
  WITH p, lsoas, population, reduce(acc = [], x IN lists | acc + [y IN x WHERE NOT y IN acc])
       AS named
  RETURN 'residents_answer_changes' AS kind, p.id AS id, p.name AS name, null AS organisation,
         null AS organisation_name,
         'who_serves names ' + reduce(s = '', x IN named | s
         + CASE s WHEN '' THEN '' ELSE ', ' END + x) AS detail, lsoas, population
}
RETURN kind, id, name, organisation, organisation_name, detail, lsoas, population
ORDER BY kind, id, organisation, detail

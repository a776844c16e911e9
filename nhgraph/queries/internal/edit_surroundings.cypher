// name: edit_surroundings
// purpose: Edits: the nodes within two links of the nodes an edit touches ($element_ids), by label, going through no hub (a region, system, place or concept: thousands of nodes point at them) and leaving out postcodes. It is what the SHACL shapes need to judge the edit, since no rule looks further than two links.
// parameters: element_ids
// columns: label, ids
// The Neo4j half of the two-hop rule: nhgraph.ontology.validation.subgraph_around is the
// RDF half, which cuts what SHACL judges out of the graph built from these nodes, stopping
// at the same hubs. Both follow validation.HOPS.
MATCH (f) WHERE elementId(f) IN $element_ids
MATCH (f) ((a)--(b) WHERE NOT b:Postcode
                    AND NOT (a:Region OR a:System OR a:Place OR a:Function OR a:Role OR a:Cohort)){1,2} (m)
WITH DISTINCT m
WHERE NOT (m:Function OR m:Role OR m:Cohort)
UNWIND labels(m) AS label
RETURN label, collect(m.id) AS ids

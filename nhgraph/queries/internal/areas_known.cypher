// name: areas_known
// purpose: Which of the LSOAs, places and neighbourhoods named the graph holds, for matching another system's service areas to nhgraph's.
// parameters: lsoas, places, neighbourhoods
// columns: label, id
CALL {
  UNWIND $lsoas AS code
  MATCH (n:Lsoa {id: code})
  RETURN 'Lsoa' AS label, n.id AS id
  UNION
  UNWIND $places AS code
  MATCH (n:Place {id: code})
  RETURN 'Place' AS label, n.id AS id
  UNION
  UNWIND $neighbourhoods AS code
  MATCH (n:Neighbourhood {id: code})
  RETURN 'Neighbourhood' AS label, n.id AS id
}
RETURN label, id
ORDER BY label, id

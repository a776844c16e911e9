// name: postcode_lsoa
// purpose: The LSOA a postcode lies in, and how many postcodes the graph holds (to tell a postcode outside the loaded lookup from an empty lookup).
// parameters: postcode
// columns: lsoa, postcodes_loaded
CALL () {
  OPTIONAL MATCH (:Postcode {id: $postcode})-[:IN_LSOA]->(l:Lsoa)
  RETURN l.id AS lsoa
}
CALL () {
  MATCH (pc:Postcode)
  RETURN count(pc) AS postcodes_loaded
}
RETURN lsoa, postcodes_loaded

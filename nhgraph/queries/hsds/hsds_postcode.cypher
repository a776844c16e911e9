// name: hsds_postcode
// purpose: HSDS: a postcode's centroid (latitude, longitude) for the proximity filter; no row when the postcode is not in the lookup.
// parameters: postcode
// columns: postcode, latitude, longitude
MATCH (p:Postcode {id: $postcode})
RETURN p.id AS postcode, p.latitude AS latitude, p.longitude AS longitude

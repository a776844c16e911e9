// name: lsoas_around_point
// purpose: The LSOAs whose bounding box holds the point ($latitude, $longitude), with their boundaries, for a point-in-polygon test that picks the one the point is in.
// parameters: latitude, longitude
// columns: lsoa, boundary
MATCH (l:Lsoa)
WHERE l.min_latitude <= $latitude AND l.max_latitude >= $latitude
  AND l.min_longitude <= $longitude AND l.max_longitude >= $longitude
RETURN l.id AS lsoa, l.boundary AS boundary
ORDER BY lsoa

// name: lsoas_around_points
// purpose: For each point ($points: {i, latitude, longitude}), the LSOAs whose bounding box holds it, with their boundaries, for a point-in-polygon test that picks the one each point is in.
// parameters: points
// columns: i, lsoa, boundary
UNWIND $points AS point
MATCH (l:Lsoa)
WHERE l.min_latitude <= point.latitude AND l.max_latitude >= point.latitude
  AND l.min_longitude <= point.longitude AND l.max_longitude >= point.longitude
RETURN point.i AS i, l.id AS lsoa, l.boundary AS boundary
ORDER BY i, lsoa

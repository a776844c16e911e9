// name: lsoas_around_point
// purpose: The LSOAs whose bounding box holds the point ($latitude, $longitude), with their boundaries, for a point-in-polygon test that picks the one the point is in; found by a point-index seek on each box's south-west corner, within $reach degrees south-west of the point (an LSOA larger than the reach is found by a wider call).
// parameters: latitude, longitude, reach
// columns: lsoa, boundary
MATCH (l:Lsoa)
WHERE point.withinBBox(
    l.box_south_west,
    point({latitude: $latitude - $reach, longitude: $longitude - $reach}),
    point({latitude: $latitude, longitude: $longitude})
  )
  AND l.max_latitude >= $latitude AND l.max_longitude >= $longitude
RETURN l.id AS lsoa, l.boundary AS boundary
ORDER BY lsoa

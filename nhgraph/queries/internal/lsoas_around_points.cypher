// name: lsoas_around_points
// purpose: For each point ($points: {i, latitude, longitude}), the LSOAs whose bounding box holds it, with their boundaries, for a point-in-polygon test that picks the one each point is in; found by a point-index seek on each box's south-west corner within $reach degrees south-west of the point (as lsoas_around_point).
// parameters: points, reach
// columns: i, lsoa, boundary
UNWIND $points AS point
MATCH (l:Lsoa)
WHERE point.withinBBox(
    l.box_south_west,
    point({latitude: point.latitude - $reach, longitude: point.longitude - $reach}),
    point({latitude: point.latitude, longitude: point.longitude})
  )
  AND l.max_latitude >= point.latitude AND l.max_longitude >= point.longitude
RETURN point.i AS i, l.id AS lsoa, l.boundary AS boundary
ORDER BY i, lsoa

// name: map_lsoa_boundaries
// purpose: The map's layer: the boundaries (GeoJSON text) and content hashes of the LSOAs given, read only for those the map has not drawn at that hash (a map rebuilt after an edit reads none).
// parameters: ids
// columns: id, hash, boundary
UNWIND $ids AS id
MATCH (l:Lsoa {id: id})
RETURN l.id AS id, l.content_hash AS hash, l.boundary AS boundary

// name: organisations_known
// purpose: Which of the organisation ids named the graph holds, for matching another system's organisations (by ODS code or nhgraph IRI) to nhgraph's.
// parameters: ids
// columns: id
UNWIND $ids AS wanted
MATCH (o:Organisation {id: wanted})
RETURN o.id AS id
ORDER BY id

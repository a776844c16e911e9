// name: node_counts
// purpose: How many nodes of each label the graph holds, for status pages and load summaries.
// parameters: none
// columns: label, count
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label

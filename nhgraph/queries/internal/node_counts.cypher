// name: node_counts
// purpose: How many nodes of each label the graph holds, for status pages and load summaries
// (a load's staged nodes, not yet switched in, are not the graph's).
// parameters: none
// columns: label, count
MATCH (n)
UNWIND labels(n) AS label
WITH label WHERE label <> 'NhgStaged'
RETURN label, count(*) AS count
ORDER BY label

// name: api_validation
// purpose: API loader: the current findings (the latest saved run's) about nodes by 'Label/id', Violations first, then by rule. Rows come in no set order; the loader matches them to $nodes.
// parameters: nodes
// columns: node, findings
UNWIND $nodes AS node
MATCH (f:ValidationFinding {node: node})
WITH node, f
ORDER BY CASE f.severity WHEN 'Violation' THEN 0 WHEN 'Warning' THEN 1 ELSE 2 END, f.rule, f.message
RETURN node, collect(f {.rule, .severity, .message, .path, .value, .node, .restricted, .at}) AS findings

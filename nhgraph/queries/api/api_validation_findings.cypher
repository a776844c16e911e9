// name: api_validation_findings
// purpose: API: the current findings (the latest saved run's) across the graph, of one severity and one rule when given, leaving out those about records only governance reads unless $restricted; Violations first, then by rule and node, at most $first.
// parameters: severity, rule, restricted, first
// columns: finding
MATCH (f:ValidationFinding)
WHERE ($severity IS NULL OR f.severity = $severity)
  AND ($rule IS NULL OR f.rule = $rule)
  AND ($restricted OR NOT f.restricted)
RETURN f {.rule, .severity, .message, .path, .value, .node, .restricted, .at} AS finding
ORDER BY CASE f.severity WHEN 'Violation' THEN 0 WHEN 'Warning' THEN 1 ELSE 2 END, f.rule, f.node,
         f.message
LIMIT $first

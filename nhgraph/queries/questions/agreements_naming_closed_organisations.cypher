// name: agreements_naming_closed_organisations
// purpose: Data sharing: agreements not yet ended on the day $on that name as a party an organisation closed before that day, with the party's role and closing date.
// parameters: on
// columns: agreement, name, status, organisation, organisation_name, role, closed_on
// kind: sharing
// subject: agreement, name
MATCH (d:DataSharingAgreement)-[r:CONTROLLER|JOINT_CONTROLLER|PROCESSOR]->(o:Organisation)
WHERE (d.valid_to IS NULL OR d.valid_to >= $on) AND d.status <> 'ended'
  AND o.close_date IS NOT NULL AND o.close_date < $on
RETURN d.id AS agreement, d.name AS name, d.status AS status, o.id AS organisation,
       o.name AS organisation_name, toLower(type(r)) AS role, o.close_date AS closed_on
ORDER BY agreement, organisation

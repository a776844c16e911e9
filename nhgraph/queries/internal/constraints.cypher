// The graph's constraints and indexes, applied by nhgraph.store.db.Database.ensure_schema().
// Every statement is idempotent (IF NOT EXISTS), so it runs at every start and every load.
// One uniqueness constraint on `id` per class of the design (DESIGN.md, "The model"): ids are
// stable, built from official codes (ONS, ODS) or from the team-of-teams dataset.

CREATE CONSTRAINT region_id IF NOT EXISTS FOR (n:Region) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT system_id IF NOT EXISTS FOR (n:System) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT place_id IF NOT EXISTS FOR (n:Place) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT lsoa_id IF NOT EXISTS FOR (n:Lsoa) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT postcode_id IF NOT EXISTS FOR (n:Postcode) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT neighbourhood_id IF NOT EXISTS FOR (n:Neighbourhood) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT site_id IF NOT EXISTS FOR (n:Site) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT organisation_id IF NOT EXISTS FOR (n:Organisation) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT role_id IF NOT EXISTS FOR (n:Role) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT post_id IF NOT EXISTS FOR (n:Post) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT int_id IF NOT EXISTS FOR (n:Int) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT team_id IF NOT EXISTS FOR (n:Team) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT membership_id IF NOT EXISTS FOR (n:Membership) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT function_id IF NOT EXISTS FOR (n:Function) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT service_id IF NOT EXISTS FOR (n:Service) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT cohort_id IF NOT EXISTS FOR (n:Cohort) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT agreement_id IF NOT EXISTS FOR (n:DataSharingAgreement) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT alignment_id IF NOT EXISTS FOR (n:SpecialistAlignment) REQUIRE n.id IS UNIQUE;
// Without these two, every lookup by id of a PCN membership or an integrator appointment (a
// reload's comparison of content hashes, each write) scanned the label: England's 6,576 PCN
// memberships cost a reload unchanged three minutes.
CREATE CONSTRAINT pcn_membership_id IF NOT EXISTS FOR (n:PcnMembership) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT integrator_appointment_id IF NOT EXISTS FOR (n:IntegratorAppointment) REQUIRE n.id IS UNIQUE;
CREATE INDEX organisation_kind IF NOT EXISTS FOR (n:Organisation) ON (n.kind);
// A list's page in name order reads these in order from its cursor (api_list_organisations,
// api_list_services) rather than sorting every organisation or service.
CREATE INDEX organisation_name IF NOT EXISTS FOR (n:Organisation) ON (n.name);
CREATE INDEX organisation_kind_id IF NOT EXISTS FOR (n:Organisation) ON (n.kind, n.id);
CREATE INDEX organisation_kind_name IF NOT EXISTS FOR (n:Organisation) ON (n.kind, n.name);
CREATE INDEX service_name IF NOT EXISTS FOR (n:Service) ON (n.name);
CREATE POINT INDEX lsoa_box_south_west IF NOT EXISTS FOR (n:Lsoa) ON (n.box_south_west);
CREATE CONSTRAINT edit_id IF NOT EXISTS FOR (n:Edit) REQUIRE n.id IS UNIQUE;
// History (nhgraph.store.history): change sets by id and by when they were recorded; changes
// by the node they are of, by their change set and by when (an asAt undoes those since).
CREATE CONSTRAINT change_set_id IF NOT EXISTS FOR (n:ChangeSet) REQUIRE n.id IS UNIQUE;
CREATE INDEX change_set_recorded_at IF NOT EXISTS FOR (n:ChangeSet) ON (n.recorded_at);
CREATE INDEX change_node_id IF NOT EXISTS FOR (n:Change) ON (n.node_id);
CREATE INDEX change_change_set IF NOT EXISTS FOR (n:Change) ON (n.change_set);
CREATE INDEX change_recorded_at IF NOT EXISTS FOR (n:Change) ON (n.recorded_at);
// Validation status as data (nhgraph.store.findings): bookkeeping, kept apart from the model
// like the Edit records. One log node serialises saves; runs by id; findings by the node
// ('Label/id') they are about, which is how the API asks for them.
CREATE CONSTRAINT validation_log_id IF NOT EXISTS FOR (n:ValidationLog) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT validation_run_id IF NOT EXISTS FOR (n:ValidationRun) REQUIRE n.id IS UNIQUE;
CREATE INDEX validation_finding_node IF NOT EXISTS FOR (n:ValidationFinding) ON (n.node);
// The graph's version (nhgraph.store.version): one node, given a new token by every write that
// commits, so a cache (the map's layer, its ETag) knows when what it holds is stale.
CREATE CONSTRAINT graph_version_id IF NOT EXISTS FOR (n:GraphVersion) REQUIRE n.id IS UNIQUE;
// A large load's staged nodes (nhgraph.store.stage), by age when a later load sweeps a
// killed load's. Not by stage token: the switch finds each by element id, and an index on the
// token tempts the planner to read the whole stage for every node.
CREATE INDEX staged_at IF NOT EXISTS FOR (n:NhgStaged) ON (n.nhg_staged_at);

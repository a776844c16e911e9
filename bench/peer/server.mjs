// The peer of nhgraph's GraphQL API in bench/peer.py: @neo4j/graphql over the same Neo4j, with
// type definitions for the labels and relationships nhgraph stores, served by Apollo Server's
// standalone server (the pairing the library's own getting-started documents). It runs with the
// library's defaults: no depth, cost or size limits, introspection on.
//
// The resident's question is a `@cypher` field running nhgraph's own `who_serves` statement, read
// from nhgraph/queries at start-up (never copied), wrapped so that its columns come back as the one
// map column the directive asks for.
//
// Environment: PEER_PORT (the HTTP port, on 127.0.0.1), NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD.
// It answers GraphQL at / (and any path) once the schema is built, and prints "peer ready".

import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const here = new URL(".", import.meta.url);
const whoServesFile = new URL("../../nhgraph/queries/questions/who_serves.cypher", here);

/** nhgraph's who_serves statement, and the columns its header promises. */
function whoServes() {
  const text = readFileSync(whoServesFile, "utf8");
  const header = text.match(/^\/\/ columns: (.+)$/m);
  if (!header) throw new Error(`${whoServesFile.pathname}: no "// columns:" header`);
  const columns = header[1].split(",").map((column) => column.trim());
  for (const column of columns) {
    if (!/^[a-z_]+$/.test(column)) throw new Error(`who_serves: odd column name ${column}`);
  }
  const row = columns.map((column) => `${column}: ${column}`).join(", ");
  return `CALL () {\n${text}\n}\nRETURN {${row}} AS resident`;
}

/** A GraphQL block string holding a Cypher statement (a block string escapes nothing but """). */
function block(statement) {
  if (statement.includes('"""')) throw new Error('a statement holds """');
  return `"""\n${statement}\n"""`;
}

const typeDefs = /* GraphQL */ `
  type System @node {
    id: ID!
    name: String
    places: [Place!]! @relationship(type: "PART_OF", direction: IN)
  }

  type Place @node {
    id: ID!
    name: String
    illustrative: Boolean
    system: [System!]! @relationship(type: "PART_OF", direction: OUT)
    lsoas: [Lsoa!]! @relationship(type: "IN_PLACE", direction: IN)
    neighbourhoods: [Neighbourhood!]! @relationship(type: "IN_PLACE", direction: IN)
    ints: [IntegratedNeighbourhoodTeam!]! @relationship(type: "IN_PLACE", direction: IN)
    appointments: [IntegratorAppointment!]! @relationship(type: "INTEGRATOR_FOR", direction: IN)
    population: Int
      @cypher(
        statement: "MATCH (l:Lsoa)-[:IN_PLACE]->(this) RETURN sum(l.population) AS population"
        columnName: "population"
      )
    integrator(on: Date!): Organisation
      @cypher(
        statement: """
        MATCH (a:IntegratorAppointment)-[:INTEGRATOR_FOR]->(this)
        WHERE a.start <= $on AND (a.end IS NULL OR a.end >= $on)
        MATCH (a)-[:INTEGRATOR]->(o:Organisation)
        RETURN o ORDER BY a.start DESC LIMIT 1
        """
        columnName: "o"
      )
  }

  type Lsoa @node {
    id: ID!
    name: String
    population: Int
    imd_decile: Int
    place: [Place!]! @relationship(type: "IN_PLACE", direction: OUT)
    neighbourhoods: [Neighbourhood!]! @relationship(type: "COVERS", direction: IN)
  }

  type Neighbourhood @node {
    id: ID!
    name: String
    illustrative: Boolean
    place: [Place!]! @relationship(type: "IN_PLACE", direction: OUT)
    lsoas: [Lsoa!]! @relationship(type: "COVERS", direction: OUT)
    ints: [IntegratedNeighbourhoodTeam!]! @relationship(type: "SERVES", direction: IN)
    priorities: [Cohort!]! @relationship(type: "PRIORITISES", direction: OUT)
    population: Int
      @cypher(
        statement: "MATCH (this)-[:COVERS]->(l:Lsoa) RETURN sum(l.population) AS population"
        columnName: "population"
      )
  }

  # GraphQL reserves the name Int, so the type is spelt out, as nhgraph's schema does.
  type IntegratedNeighbourhoodTeam @node(labels: ["Int"]) {
    id: ID!
    name: String
    illustrative: Boolean
    place: [Place!]! @relationship(type: "IN_PLACE", direction: OUT)
    neighbourhoods: [Neighbourhood!]! @relationship(type: "SERVES", direction: OUT)
    memberships: [Membership!]! @relationship(type: "OF_INT", direction: IN)
    specialists: [SpecialistAlignment!]! @relationship(type: "ALIGNED_TO", direction: IN)
  }

  type Membership @node {
    id: ID!
    tier: String
    start: Date
    end: Date
    int: [IntegratedNeighbourhoodTeam!]! @relationship(type: "OF_INT", direction: OUT)
    team: [Team!]! @relationship(type: "MEMBER", direction: OUT)
  }

  type Team @node {
    id: ID!
    name: String
    illustrative: Boolean
    provider: [Organisation!]! @relationship(type: "PROVIDED_BY", direction: OUT)
    functions: [Function!]! @relationship(type: "CARRIES", direction: OUT)
  }

  type Function @node {
    id: ID!
    label: String
  }

  type Cohort @node {
    id: ID!
    label: String
  }

  type Role @node {
    id: ID!
    label: String
  }

  type Organisation @node {
    id: ID!
    name: String
    kind: String
    postcode: String
    open_date: Date
    close_date: Date
    places: [Place!]! @relationship(type: "OPERATES_IN", direction: OUT)
  }

  type SpecialistAlignment @node {
    id: ID!
    sessions_per_week: Float
    start: Date
    end: Date
    int: [IntegratedNeighbourhoodTeam!]! @relationship(type: "ALIGNED_TO", direction: OUT)
    specialty: [Role!]! @relationship(type: "IN_SPECIALTY", direction: OUT)
    provider: [Organisation!]! @relationship(type: "PROVIDED_BY", direction: OUT)
  }

  type IntegratorAppointment @node {
    id: ID!
    start: Date
    end: Date
    place: [Place!]! @relationship(type: "INTEGRATOR_FOR", direction: OUT)
    organisation: [Organisation!]! @relationship(type: "INTEGRATOR", direction: OUT)
  }

  type Service @node {
    id: ID!
    name: String
    status: String
    channels: [String!]
    hours: [String!]
    phone: String
    url: String
    open_24_7: Boolean
    self_referral: Boolean
    min_age: Int
    max_age: Int
    function: [Function!]! @relationship(type: "OF_FUNCTION", direction: OUT)
    provider: [Organisation!]! @relationship(type: "PROVIDED_BY", direction: OUT)
    cohorts: [Cohort!]! @relationship(type: "FOR_COHORT", direction: OUT)
  }

  # The rows who_serves returns: maps, not nodes, so these types carry no @node.
  type PeerReasoned {
    id: String!
    name: String
    reason: String!
  }

  type PeerTeam {
    tier: String!
    int: String!
    team: String!
    team_name: String
    provider: String
    provider_name: String
    functions: [String!]!
    reason: String!
  }

  type PeerService {
    id: String!
    name: String!
    function: String
    provider: String
    provider_name: String
    channels: [String!]
    hours: [String!]
    open_24_7: Boolean
    self_referral: Boolean
    phone: String
    url: String
    cohorts: [String!]!
    reason: String!
  }

  type PeerSpecialist {
    specialty: String
    label: String
    int: String!
    provider: String
    provider_name: String
    sessions_per_week: Float
    reason: String!
  }

  type PeerIntegrator {
    organisation: String!
    name: String
    since: Date
    reason: String!
  }

  type PeerResident {
    lsoa: String!
    lsoa_name: String
    postcode: String
    place: String!
    place_name: String
    system: String
    system_name: String
    neighbourhoods: [PeerReasoned!]!
    ints: [PeerReasoned!]!
    teams: [PeerTeam!]!
    services: [PeerService!]!
    specialists: [PeerSpecialist!]!
    integrator: PeerIntegrator
    gateways: [PeerService!]!
  }

  type Query {
    resident(
      lsoa: String
      on: Date!
      postcode: String = null
      age: Int = null
      cohort: String = null
      function: String = null
    ): PeerResident @cypher(statement: ${block(whoServes())}, columnName: "resident")
  }
`;

const driver = neo4j.driver(
  process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687",
  neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? ""),
);
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const server = new ApolloServer({ schema: await neoSchema.getSchema() });
const port = Number(process.env.PEER_PORT ?? 4000);
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port },
});
console.log(`peer ready at ${url}`);

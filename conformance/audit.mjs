#!/usr/bin/env node
// Runs graphql-http's GraphQL-over-HTTP server audits against a live GraphQL endpoint and
// prints the results as JSON on stdout: one object per audit, in the library's order, with
// its id, name (which begins with MUST, SHOULD or MAY), status (ok, notice, warn or error),
// and for a failure the reason and the response (status, headers, body).
//
//   node conformance/audit.mjs http://127.0.0.1:8000/graphql
//
// Exits 0 when the audits ran (whatever they found), 2 on a usage error or a fatal one.
// tests/test_conformance.py runs it and judges the results.
import { serverAudits } from 'graphql-http';

const MAX_BODY = 4096;

async function describe(response) {
  const headers = {};
  for (const [key, value] of response.headers.entries()) {
    headers[key] = key === 'date' ? '<timestamp>' : value;
  }
  let body = null;
  try {
    const text = await response.text();
    try {
      body = JSON.parse(text);
    } catch {
      body = text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}...` : text;
    }
  } catch (error) {
    body = `<unreadable body: ${error}>`;
  }
  return { status: response.status, statusText: response.statusText, headers, body };
}

async function main(argv) {
  const url = argv[0];
  if (!url || argv.length !== 1) {
    console.error('usage: node conformance/audit.mjs <url of the GraphQL endpoint>');
    return 2;
  }
  const results = [];
  // One audit at a time (auditServer runs them all at once), so a failure's response is
  // the one its own request got and a small server is not flooded.
  for (const audit of serverAudits({ url })) {
    const result = await audit.fn();
    const entry = { id: result.id, name: result.name, status: result.status };
    if (result.status !== 'ok') {
      entry.reason = result.reason;
      entry.response = result.response ? await describe(result.response) : null;
    }
    results.push(entry);
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`audit failed: ${error?.stack ?? error}`);
    process.exitCode = 2;
  },
);

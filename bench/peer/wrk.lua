-- wrk script of bench/peer.py: POSTs the request bodies in the file named by WRK_BODIES (one JSON
-- document a line) in turn, each connection's thread starting at its own offset; counts answers
-- that are not 200 or that carry GraphQL "errors"; and at the end prints one line,
-- "WRK_JSON {...}", with the requests, the duration, the errors and the latency distribution as
-- QUANTILES evenly spaced quantiles (microseconds, each standing for the same share of the
-- requests), which the bench merges across phases into one distribution.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local QUANTILES = 400
local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests_ = {}
  for line in io.lines(os.getenv("WRK_BODIES")) do
    if #line > 0 then
      requests_[#requests_ + 1] = wrk.format(nil, nil, nil, line)
    end
  end
  if #requests_ == 0 then
    error("no request bodies in " .. os.getenv("WRK_BODIES"))
  end
  next_ = (offset * 7919) % #requests_
  errors = 0
  first_error = ""
  hits = 0
  misses = 0
end

function request()
  next_ = next_ % #requests_ + 1
  return requests_[next_]
end

function response(status, headers, body)
  local cache = headers["x-nhgraph-cache"]
  if cache == "hit" then
    hits = hits + 1
  elseif cache == "miss" then
    misses = misses + 1
  end
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(body, 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local errors_ = 0
  local hits_ = 0
  local misses_ = 0
  local first = ""
  for _, thread in ipairs(threads) do
    errors_ = errors_ + thread:get("errors")
    hits_ = hits_ + thread:get("hits")
    misses_ = misses_ + thread:get("misses")
    if first == "" then
      first = thread:get("first_error")
    end
  end
  local quantiles = {}
  if summary.requests > 0 then
    for i = 1, QUANTILES do
      quantiles[i] = string.format("%d", latency:percentile(100.0 * (i - 0.5) / QUANTILES))
    end
  end
  local socket = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"errors":%d,"socket_errors":%d,'
      .. '"cache_hits":%d,"cache_misses":%d,'
      .. '"p50_us":%d,"p99_us":%d,"first_error":"%s","quantiles":[%s]}\n',
    summary.requests, summary.duration, errors_,
    socket.connect + socket.read + socket.write + socket.timeout, hits_, misses_,
    latency:percentile(50.0), latency:percentile(99.0),
    string.gsub(first, '[%c"\\]', "?"), table.concat(quantiles, ",")))
end

-- wrk script for bench/: requests from a file, per-status counts, a JSON summary.
--
-- Environment:
--   BENCH_REQUESTS  file with one request per line: METHOD \t PATH \t CONTENT-TYPE \t BODY
--   BENCH_TOKEN     bearer token (sent as Authorization; X-Okapi-Tenant is always sent)
--   BENCH_ORDER     "random" (default) or "sequential": each thread walks its own share of
--                   the lines once, in order (creates stay unique), then wraps around and
--                   counts that in "wrapped" (a line sent twice: the file was too short)
--   BENCH_THREADS   wrk's -t (to split the lines between threads)
--   BENCH_CHECK     "1": look at every response (counts 5xx, 4xx and lock errors)
-- done() prints one line: BENCH_JSON {...} with latency percentiles in microseconds.

local requests_file = os.getenv("BENCH_REQUESTS")
local token = os.getenv("BENCH_TOKEN") or ""
local order = os.getenv("BENCH_ORDER") or "random"
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local check = os.getenv("BENCH_CHECK") == "1"

local threads = {}
local next_index = 0

function setup(thread)
  thread:set("index", next_index)
  next_index = next_index + 1
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  e5xx, e4xx, locked, wrapped = 0, 0, 0, 0
  local line_no = 0
  for line in io.lines(requests_file) do
    if order ~= "sequential" or line_no % nthreads == index then
      local method, path, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {["Authorization"] = "Bearer " .. token, ["X-Okapi-Tenant"] = "bench"}
      if ctype ~= "" then headers["Content-Type"] = ctype end
      if body == "" then body = nil end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
    line_no = line_no + 1
  end
  position = 0
  -- wrk checks the first request of thread 0 with an HTTP parser that knows no LOOKUP:
  -- hand that check a GET, which is never sent.
  verifying = index == 0
  math.randomseed(os.time() + index * 7919)
end

function request()
  if verifying then
    verifying = false
    return wrk.format("GET", "/healthz")
  end
  if order == "sequential" then
    if position == #requests then
      wrapped = wrapped + 1
    end
    position = position % #requests + 1
    return requests[position]
  end
  return requests[math.random(#requests)]
end

if check then
  function response(status, headers, body)
    if status >= 500 then
      e5xx = e5xx + 1
    elseif status >= 400 then
      e4xx = e4xx + 1
    end
    if status >= 400 and body and (body:find("database is locked", 1, true) or body:find("database is busy", 1, true)) then
      locked = locked + 1
    end
  end
end

function done(summary, latency, requests)
  local t5, t4, tl, tw = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    tw = tw + (thread:get("wrapped") or 0)
    t5 = t5 + (thread:get("e5xx") or 0)
    t4 = t4 + (thread:get("e4xx") or 0)
    tl = tl + (thread:get("locked") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"timeouts":%d,"status_errors":%d,"e5xx":%d,"e4xx":%d,"locked":%d,"wrapped":%d,"checked":%s}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status, t5, t4, tl, tw, check and "true" or "false"))
end

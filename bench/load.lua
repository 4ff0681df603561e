-- wrk script for the benchmark's load run (bench/run.py starts it).
--   wrk -t 2 -c 20 -d 60s -s bench/load.lua http://127.0.0.1:8765 -- COOKIE1 PATHS1 COOKIE2 PATHS2
-- Thread n signs its requests with COOKIEn (a signed-in session) and cycles through PATHSn
-- (comma-separated). Anything but a 200 counts as an error. At the end it prints one JSON line.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

function init(args)
  local n = ((index - 1) % (#args / 2)) * 2
  cookie = args[n + 1]
  paths = {}
  for path in string.gmatch(args[n + 2], "[^,]+") do
    table.insert(paths, path)
  end
  position = index
  non_200 = 0
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], { Cookie = cookie })
end

function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
  end
end

function done(summary, latency, requests)
  local non_200_total = 0
  for _, thread in ipairs(threads) do
    non_200_total = non_200_total + thread:get("non_200")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_200": %d, "socket_errors": %d, '
      .. '"median_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f}\n',
    summary.requests, summary.duration, non_200_total,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000
  ))
end

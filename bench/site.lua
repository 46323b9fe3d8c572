-- wrk script: requests the paths listed in a file (one a line) round-robin, like
-- paths.lua, each request with an Accept-Encoding header when one is given (an empty
-- or absent second argument: no Accept-Encoding, identity responses). The requests
-- are formatted once, in init. At the end it prints the exact totals that wrk's
-- summary rounds: "site.lua: requests N bytes B errors E" (B: every byte read from
-- the sockets, response heads included). Used by bench/compression.sh.
--
--   wrk -t1 -c64 -d10s --latency -s bench/site.lua http://127.0.0.1:18180 -- PATHS_FILE 'br;q=1, gzip;q=0.8'
--   wrk -t1 -c64 -d10s --latency -s bench/site.lua http://127.0.0.1:18180 -- PATHS_FILE
--   wrk ... -s bench/site.lua URL -- PATHS_FILE 'br;q=1, gzip;q=0.8' 20    # 20 requests pipelined
--
-- A third argument DEPTH > 1 pipelines: each connection sends DEPTH requests (the next
-- DEPTH paths) in one write and waits for their DEPTH responses (wrk counts the requests
-- in what request() returns). The client then costs less per request, so a server that
-- needs less CPU than wrk per request can show it.
local reqs = {}
local batches = {}
local n, i = 0, 0

function init(args)
  local file, encoding = args[1], args[2]
  local depth = tonumber(args[3] or "1") or 1
  if file == nil then error("usage: wrk ... -s site.lua URL -- PATHS_FILE [ACCEPT_ENCODING]") end
  local headers = {}
  if encoding ~= nil and encoding ~= "" then headers["Accept-Encoding"] = encoding end
  for line in io.lines(file) do
    if line ~= "" then
      n = n + 1
      reqs[n] = wrk.format("GET", line, headers)
    end
  end
  if n == 0 then error("no paths in " .. file) end
  for b = 1, n do
    local parts = {}
    for k = 0, depth - 1 do parts[k + 1] = reqs[(b - 1 + k) % n + 1] end
    batches[b] = table.concat(parts)
  end
end

function request()
  i = i % n + 1
  return batches[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("site.lua: requests %d bytes %d errors %d\n", summary.requests, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout))
end

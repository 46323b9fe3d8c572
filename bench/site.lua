-- wrk script: requests the paths listed in a file (one a line) round-robin, like
-- paths.lua, each request with an Accept-Encoding header when one is given (an empty
-- or absent second argument: no Accept-Encoding, identity responses). The requests
-- are formatted once, in init. At the end it prints the exact totals that wrk's
-- summary rounds: "site.lua: requests N bytes B errors E" (B: every byte read from
-- the sockets, response heads included). Used by bench/compression.sh.
--
--   wrk -t1 -c64 -d10s --latency -s bench/site.lua http://127.0.0.1:18180 -- PATHS_FILE 'br;q=1, gzip;q=0.8'
--   wrk -t1 -c64 -d10s --latency -s bench/site.lua http://127.0.0.1:18180 -- PATHS_FILE
local reqs = {}
local n, i = 0, 0

function init(args)
  local file, encoding = args[1], args[2]
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
end

function request()
  i = i % n + 1
  return reqs[i]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("site.lua: requests %d bytes %d errors %d\n", summary.requests, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout))
end

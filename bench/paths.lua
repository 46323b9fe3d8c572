-- wrk script: requests the paths listed in a file (one a line, e.g. /f/3/345.html) in order,
-- round-robin, so that each request names another file than the one before it.
-- The requests are formatted once, in init: the client's cost per request stays that of a
-- table lookup. Used by bench/deploy-storm.sh.
--
--   wrk -t1 -c64 -d30s --latency -s bench/paths.lua http://127.0.0.1:18081 -- PATHS_FILE
local reqs = {}
local n, i = 0, 0

function init(args)
  local file = args[1]
  if file == nil then error("usage: wrk ... -s paths.lua URL -- PATHS_FILE") end
  for line in io.lines(file) do
    if line ~= "" then
      n = n + 1
      reqs[n] = wrk.format("GET", line)
    end
  end
  if n == 0 then error("no paths in " .. file) end
end

function request()
  i = i % n + 1
  return reqs[i]
end

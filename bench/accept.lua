-- wrk script: accept submitted reports through the API, each exactly once.
-- The ids come from `tuijin dev submitted-reports -o ids.txt`; each wrk thread takes its own
-- slice of them. Requests past the end of a slice are answered 404 and not counted as accepts.
local ids = {}
for line in io.lines(os.getenv("IDS") or "ids.txt") do ids[#ids + 1] = line end
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(os.getenv("THREADS") or "2")
  local per = math.floor(#ids / n)
  -- SKIP leaves out ids an earlier run already accepted (they would answer 409).
  first = (tid - 1) * per + 1 + tonumber(os.getenv("SKIP") or "0")
  last = tid * per
  next_id = first
end

function response(status, headers, body)
  if status ~= 200 then refused = (refused or 0) + 1 end
end

function request()
  local id = ids[next_id] or "0"
  next_id = next_id + 1
  if next_id > last then next_id = last + 1 end
  return wrk.format("POST", "/api/v1/reports/" .. id .. "/accept", { ["If-Match"] = "\"1\"", ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "") }, "")
end

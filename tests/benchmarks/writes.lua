-- wrk script for tests/benchmarks/writes.sh: each request is one write of the path named by PATH_NAME, on the next
-- work item of ITEMS ("token-line id [expires-at]" lines; the token is line token-line of TOKENS). Each wrk thread
-- takes every THREADS-th item, so no item is sent twice. A thread that has used up its items stops (what it sends
-- then is a harmless GET of /health/live, not counted once the thread has stopped) and done() prints
-- "work items used up": writes.sh then marks the path's row invalid, since a repeated write is not a new one.
local path = os.getenv("PATH_NAME")
local threads = tonumber(os.getenv("THREADS") or "2")

local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
  tokens[#tokens + 1] = line
end

local items = {}
for line in io.lines(os.getenv("ITEMS")) do
  items[#items + 1] = line
end

local created = 0
local all_threads = {}
function setup(thread)
  thread:set("first", created)
  thread:set("used_up", 0)
  created = created + 1
  all_threads[#all_threads + 1] = thread
end

function done(summary, latency, requests)
  for _, thread in ipairs(all_threads) do
    if tonumber(thread:get("used_up")) ~= 0 then
      io.write("work items used up\n")
      return
    end
  end
end

local index = 0
function init(args)
  index = tonumber(wrk.thread:get("first"))
end

local function post(url, token, body)
  return wrk.format("POST", url, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function request()
  if index >= #items then
    wrk.thread:set("used_up", 1)
    wrk.thread:stop()
    return wrk.format("GET", "/health/live")
  end
  local token_line, id, extra = items[index + 1]:match("(%S+) (%S+) ?(%S*)")
  index = index + threads
  local token = tokens[tonumber(token_line)]
  if path == "request" then
    return post("/v1/access-requests", token,
      '{"customerId":"' .. id .. '","scopes":["email"],"purpose":"marketing","description":"Benchmark newsletter","duration":"P6M"}')
  elseif path == "approve" then
    return post("/v1/me/access-requests/" .. id .. "/approve", token, "{}")
  elseif path == "narrow" then
    return post("/v1/me/grants/" .. id .. "/narrow", token, '{"removeScopes":["phone"]}')
  elseif path == "revoke" then
    return post("/v1/me/grants/" .. id .. "/revoke", token, '{"reason":"Benchmark"}')
  elseif path == "grant" then
    return post("/v1/me/grants", token,
      '{"vendorId":"' .. id .. '","scopes":["email"],"purpose":"service-delivery","description":"Benchmark","expiresAt":"' .. extra .. '"}')
  end
  error("unknown PATH_NAME " .. tostring(path))
end

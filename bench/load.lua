-- wrk script of the bench (bench/wrk.py writes the data files and sets the environment).
--
-- BENCH_MODE   healthz | card | dispense | mixed
-- BENCH_PAIRS  file of "cpr<TAB>token number" lines: card reads by authorised doctors
-- BENCH_TOKENS file of bearer tokens, one a line (numbered from 1)
-- BENCH_RX     file of "cpr<TAB>prescription id<TAB>token number" lines: fresh prescriptions,
--              each claimed and dispensed once by its pharmacy's pharmacist
-- BENCH_KEY    prefix of the Idempotency-Keys (unique per run; + thread + counter)
-- BENCH_WRITES share of operations that are dispensings in mixed mode (0.1)
-- BENCH_OUT    where done() writes its JSON summary
--
-- A dispensing is two requests on one connection (claim, then dispense), so the bench runs
-- one connection per thread: wrk then calls request() and response() strictly in turn.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local function lines(path)
  local result = {}
  if path == nil or path == "" then return result end
  for line in io.lines(path) do
    if line ~= "" then table.insert(result, line) end
  end
  return result
end

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
  return fields
end

function init(args)
  mode = os.getenv("BENCH_MODE") or "healthz"
  writes = tonumber(os.getenv("BENCH_WRITES") or "0.1")
  key_prefix = os.getenv("BENCH_KEY") or "bench"
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  math.randomseed(os.time() * 1000 + tid * 7919)
  tokens = lines(os.getenv("BENCH_TOKENS"))
  pairs_ = {}
  for _, line in ipairs(lines(os.getenv("BENCH_PAIRS"))) do
    local f = split(line)
    table.insert(pairs_, {cpr = f[1], auth = "Bearer " .. tokens[tonumber(f[2])]})
  end
  rx = {}  -- this thread's share: every nthreads-th line
  for i, line in ipairs(lines(os.getenv("BENCH_RX"))) do
    if (i - 1) % nthreads == tid then
      local f = split(line)
      table.insert(rx, {cpr = f[1], id = f[2], auth = "Bearer " .. tokens[tonumber(f[3])]})
    end
  end
  rx_next = 0
  counter = 0
  step = nil        -- what the next request is: "card", "claim", "dispense", "healthz"
  current = nil     -- the prescription being dispensed
  -- flat counters ("code 200", "card n", "card bad"): wrk's thread:get copies only flat
  -- tables (a nested one crashes wrk 4.1)
  counts = {}
  last_kind = nil
end

local function next_operation()
  if mode == "dispense" or (mode == "mixed" and math.random() < writes) then
    rx_next = rx_next + 1
    current = rx[(rx_next - 1) % #rx + 1]
    step = "claim"
  elseif mode == "healthz" then
    step = "healthz"
  else
    step = "card"
  end
end

function request()
  if step == nil then next_operation() end
  last_kind = step
  if step == "healthz" then
    return wrk.format("GET", "/healthz")
  elseif step == "card" then
    local p = pairs_[math.random(#pairs_)]
    return wrk.format("GET", "/api/v1/citizens/" .. p.cpr .. "/medication-card",
                      {["Authorization"] = p.auth})
  elseif step == "claim" then
    return wrk.format("POST", "/api/v1/citizens/" .. current.cpr .. "/prescriptions/"
                      .. current.id .. "/order", {["Authorization"] = current.auth})
  else
    counter = counter + 1
    return wrk.format("POST", "/api/v1/citizens/" .. current.cpr .. "/prescriptions/"
                      .. current.id .. "/dispensings",
                      {["Authorization"] = current.auth,
                       ["Content-Type"] = "application/json",
                       ["Idempotency-Key"] = key_prefix .. "-" .. tid .. "-" .. counter},
                      "{}")
  end
end

function response(status, headers, body)
  local function count(key) counts[key] = (counts[key] or 0) + 1 end
  count("code " .. status)
  count(last_kind .. " n")
  if status < 200 or status > 299 then count(last_kind .. " bad") end
  if last_kind == "claim" then step = "dispense" else next_operation() end
end

local function json_object(t)
  local parts = {}
  for key, value in pairs(t) do
    local v
    if type(value) == "table" then
      v = json_object(value)
    elseif type(value) == "number" and (value ~= value or value == math.huge) then
      v = "null"
    else
      v = tostring(value)
    end
    table.insert(parts, string.format("%q:%s", tostring(key), v))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local all_codes, all_kinds = {}, {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts") or {}) do
      local what, which = string.match(key, "^(%S+) (%S+)$")
      if what == "code" then
        all_codes[which] = (all_codes[which] or 0) + n
      else
        local a = all_kinds[what] or {n = 0, bad = 0}
        a[which] = a[which] + n
        all_kinds[what] = a
      end
    end
  end
  local out = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    errors = summary.errors,
    latency_us = {
      p50 = latency:percentile(50), p90 = latency:percentile(90),
      p95 = latency:percentile(95), p99 = latency:percentile(99),
      mean = latency.mean, max = latency.max,
    },
    codes = all_codes,
    kinds = all_kinds,
  }
  local f = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  f:write(json_object(out))
  f:close()
end

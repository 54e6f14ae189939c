-- sandbox.lua: turns a fresh Lua 5.4 state into an llmspell session.
--
-- Called once with `host`, a table of Python callbacks. It removes everything that
-- reaches the OS or the Python side from the globals, installs the llmspell API
-- (Tool, State, JSON, Config, Log, display) over those callbacks, and returns the
-- private functions the Python runtime drives (compile, run, repr, main address).
-- The callbacks are kept as upvalues only, so scripts never see a Python object.

local host = ...
local G = _G

local debug_traceback, sethook = debug.traceback, debug.sethook
local co_create, co_resume, co_status, co_close = coroutine.create, coroutine.resume,
    coroutine.status, coroutine.close
local fmt, concat, rep = string.format, table.concat, string.rep
local pack, unpack, sort = table.pack, table.unpack, table.sort
local select, tostring, type, pairs, ipairs, error = select, tostring, type, pairs, ipairs, error
local raw_load, xpcall, setmetatable, getmetatable = load, xpcall, setmetatable, getmetatable
local math_type, rawlen, next = math.type, rawlen, next
local pcall, utf8_len, str_sub = pcall, utf8.len, string.sub

-- Lua strings are bytes; Python decodes every string it receives as UTF-8 and fails
-- on anything else. Text handed to Python (output, results, messages) goes through
-- utf8_safe, which replaces each invalid byte with U+FFFD.
local function utf8_safe(s)
  if utf8_len(s) then return s end
  local parts, i = {}, 1
  while true do
    local n, bad = utf8_len(s, i)
    if n then parts[#parts + 1] = str_sub(s, i) break end
    parts[#parts + 1] = str_sub(s, i, bad - 1)
    parts[#parts + 1] = "\u{FFFD}"
    i = bad + 1
  end
  return concat(parts)
end

local INTERRUPTED = "interrupted"

-- Interrupts ---------------------------------------------------------------
-- The hook is armed from another thread (lua_sethook) only when an interrupt is
-- requested; until then no hook runs and Lua runs at full speed. Hooks are per
-- thread, so every coroutine is registered with the Python side by address, and
-- unregistered by a finalizer that keeps the thread alive until it has run.
local function on_interrupt() error(INTERRUPTED, 0) end
sethook(on_interrupt, "", 1 << 30)   -- registers the main thread; Python disarms it

local live = setmetatable({}, {__mode = "k"})
local function create(f)
  local co = co_create(f)
  sethook(co, on_interrupt, "", 1)
  local addr = fmt("%p", co)
  host.track(addr)
  live[co] = setmetatable({co}, {__gc = function() host.untrack(addr) end})
  return co
end

local function wrap(f)
  local co = create(f)
  return function(...)
    local r = pack(co_resume(co, ...))
    if r[1] then return unpack(r, 2, r.n) end
    if co_status(co) == "dead" then co_close(co) end
    error(r[2], 0)
  end
end
coroutine.create, coroutine.wrap = create, wrap

-- Output and input -----------------------------------------------------------
local host_write, read = host.write, host.read

-- host.write returns an error message (never raises), so output failures are Lua
-- errors with string values, raised at the script's call of print/io.write.
local function write(stream, text, level)
  local err = host_write(stream, utf8_safe(text))
  if err then error(err, level) end
end

local function text_of(v, i)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    return math_type(v) == "integer" and fmt("%d", v) or fmt("%.14g", v)
  end
  -- levels: text_of < emit < io.write / file:write < the script
  error(fmt("bad argument #%d to 'write' (string expected, got %s)", i, t), 4)
end

local function emit(stream, ...)
  local n = select("#", ...)
  if n == 1 then
    write(stream, text_of((...), 1), 4)
  elseif n > 1 then
    local parts = {}
    for i = 1, n do parts[i] = text_of((select(i, ...)), i) end
    write(stream, concat(parts), 4)
  end
end

function G.print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  write("stdout", concat(parts, "\t") .. "\n", 3)
end

local function read_one(format)
  format = format or "l"
  if type(format) == "string" then format = format:gsub("^%*", "") end
  local ok, line = read("")
  if not ok then error(line, 2) end  -- always tail-called by the script's read
  if line == nil then return nil end
  if format == "n" then return tonumber(line) end
  if format == "L" then return line .. "\n" end
  return line
end

local function make_file(stream)
  local file = {}
  local methods = {
    write = function(self, ...) emit(stream, ...) return self end,
    flush = function(self) return self end,
    close = function() return nil, "cannot close standard file" end,
    setvbuf = function() return true end,
    read = function(_, ...) return read_one(...) end,
    lines = function() return function() return read_one("l") end end,
  }
  return setmetatable(file, {__index = methods, __name = "FILE*",
    __tostring = function() return "file (" .. stream .. ")" end})
end

local stdout, stderr, stdin = make_file("stdout"), make_file("stderr"), make_file("stdin")
G.io = {
  write = function(...) emit("stdout", ...) return stdout end,
  read = function(...) return read_one(...) end,
  lines = function(filename)
    if filename ~= nil then error("io.lines: files are reached through tools (file-operations)", 2) end
    return function() return read_one("l") end
  end,
  stdout = stdout, stderr = stderr, stdin = stdin,
}

-- Removing what reaches outside ---------------------------------------------------
G.dofile, G.loadfile, G.require, G.package, G.debug, G.python = nil, nil, nil, nil, nil, nil
string.dump = nil
local os_keep = {clock = os.clock, date = os.date, time = os.time, difftime = os.difftime}
G.os = os_keep

function G.load(chunk, name, mode, ...)
  if mode ~= nil and mode ~= "t" then
    return nil, "load: binary chunks are not allowed (mode must be \"t\")"
  end
  if select("#", ...) > 0 then return raw_load(chunk, name, "t", (...)) end
  return raw_load(chunk, name, "t", G)
end

local gc = collectgarbage
local gc_allowed = {collect = true, count = true, step = true, isrunning = true}
function G.collectgarbage(opt, ...)
  opt = opt or "collect"
  if not gc_allowed[opt] then error("collectgarbage: option '" .. tostring(opt) .. "' is not allowed", 2) end
  return gc(opt, ...)
end

-- The llmspell API ---------------------------------------------------------------
-- Always called in tail position, so level 2 is the script that called the API.
-- The callback returns (ok, value); if calling it fails on the way in (an argument
-- Python cannot take, e.g. a string that is not UTF-8) the error value would be a
-- Python exception object, so it is turned into a string here.
local function call_host(fn, ...)
  local called, ok, value = pcall(fn, ...)
  if not called then
    if type(ok) == "string" then error(ok, 0) end
    error("invalid argument: " .. utf8_safe(tostring(ok)), 2)
  end
  if not ok then error(value, 2) end
  return value
end

local tool = host.tool
local Tool = {}
function Tool.invoke(name, params) return call_host(tool, "invoke", name, params) end
function Tool.list(category) return call_host(tool, "list", category) end
function Tool.info(name) return call_host(tool, "info", name) end
function Tool.search(query) return call_host(tool, "search", query) end
function Tool.exists(name) return call_host(tool, "exists", name) end
function Tool.categories() return call_host(tool, "categories") end
setmetatable(Tool, {__index = function(_, name)
  if type(name) == "string" and Tool.exists(name) then
    return function(params) return call_host(tool, "invoke", name, params) end
  end
end})
G.Tool = Tool

local state = host.state
G.State = {
  get = function(key, scope) return call_host(state, "get", key, nil, scope) end,
  set = function(key, value, scope) return call_host(state, "set", key, value, scope) end,
  delete = function(key, scope) return call_host(state, "delete", key, nil, scope) end,
  keys = function(scope) return call_host(state, "keys", nil, nil, scope) end,
}

local json = host.json
G.JSON = {
  parse = function(text) return call_host(json, "parse", text) end,
  stringify = function(value, indent) return call_host(json, "stringify", value, indent) end,
}

local config_get = host.config
G.Config = {get = function(key) return call_host(config_get, key) end}

local log = host.log
G.Log = {}
for _, level in ipairs({"debug", "info", "warn", "error"}) do
  G.Log[level] = function(...)
    local parts = {}
    for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
    log(level, utf8_safe(concat(parts, " ")))
  end
end

local display = host.display
-- Returns nothing, so that a cell ending in display(x) shows no extra "nil" result.
function G.display(value, mime)
  local ok, err = display(value, mime)
  if not ok then error(err, 2) end
end
function G.clear_output(wait) display(nil, wait and "clear-wait" or "clear") end

-- Value display --------------------------------------------------------------------
local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local function repr(v, depth, seen)
  local t = type(v)
  if t == "string" then return (fmt("%q", v):gsub("\\\n", "\\n")) end
  if t ~= "table" or (getmetatable(v) and getmetatable(v).__tostring) then return tostring(v) end
  if seen[v] then return "<cycle>" end
  if depth > 4 then return "{...}" end
  seen[v] = true
  local parts, n = {}, rawlen(v)
  for i = 1, n do
    parts[#parts + 1] = repr(v[i], depth + 1, seen)
    if #parts >= 100 then parts[#parts + 1] = "..." break end
  end
  local keys = {}
  for k in next, v do
    if not (math_type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for _, k in ipairs(keys) do
    if #parts >= 100 then parts[#parts + 1] = "..." break end
    local key = is_identifier(k) and k or "[" .. repr(k, depth + 1, seen) .. "]"
    parts[#parts + 1] = key .. " = " .. repr(v[k], depth + 1, seen)
  end
  seen[v] = nil
  if #parts == 0 then return "{}" end
  return "{" .. concat(parts, ", ") .. "}"
end

local function repr_all(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = repr((select(i, ...)), 0, {}) end
  return utf8_safe(concat(parts, "\t"))
end

-- Running chunks ------------------------------------------------------------------
local function handler(e)
  if e == INTERRUPTED then return {message = INTERRUPTED, traceback = ""} end
  local message = type(e) == "string" and e or tostring(e)
  return {message = utf8_safe(message), traceback = utf8_safe(debug_traceback(nil, 2))}
end

-- compile(code, name) -> fn, is_expression | nil, error
local function compile(code, name)
  local fn = raw_load("return " .. code, name, "t", G)
  if fn then return fn, true end
  local err
  fn, err = raw_load(code, name, "t", G)
  if fn then return fn, false end
  return nil, utf8_safe(err)
end

-- run(fn, ...) -> true, n, results... | false, {message, traceback} or message
local function run(fn, ...)
  local r = pack(xpcall(fn, handler, ...))
  if r[1] then
    for i = 2, r.n do
      if type(r[i]) == "string" then r[i] = utf8_safe(r[i]) end
    end
    return true, r.n - 1, unpack(r, 2, r.n)
  end
  if type(r[2]) == "string" then return false, utf8_safe(r[2]) end  -- the handler failed
  return false, r[2]
end

return {
  compile = compile,
  run = run,
  repr = repr_all,
  main = fmt("%p", coroutine.running()),
  interrupted = INTERRUPTED,
}

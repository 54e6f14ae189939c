-- tour.lua: a walk through llmspell: tools, state, JSON and error handling.
-- Run it with:  llmspell run examples/tour.lua [your-name]

local name = ARGS[1] or "world"
print(("Hello, %s! This is llmspell on %s."):format(name, _VERSION))

-- 1. Discover tools.
local tools = Tool.list()
local by_category = {}
for _, t in ipairs(tools) do
  by_category[t.category] = (by_category[t.category] or 0) + 1
end
local cats = {}
for _, c in ipairs(Tool.categories()) do cats[#cats + 1] = ("%s=%d"):format(c, by_category[c]) end
print(("%d built-in tools (%s)"):format(#tools, table.concat(cats, ", ")))

-- 2. Call a few, with plain tables as parameters.
local calc = Tool.invoke("calculator", {input = "sqrt(x^2 + y^2)", variables = {x = 3, y = 4}})
print("calculator: sqrt(3^2 + 4^2) = " .. tostring(calc.result))

local digest = Tool.hash_calculator({input = "llmspell", algorithm = "sha256"})
print("sha256('llmspell') = " .. digest.hash:sub(1, 16) .. "...")

local slug = Tool.invoke("text-manipulator", {operation = "slugify", input = "Lua Scripts, Served Well!"})
print("slugify: " .. slug.result)

local csv = Tool.invoke("csv-analyzer", {input = "tool,calls\ncalculator,12\nhash,5\nuuid,7\n"})
print(("csv-analyzer: %d rows, columns %s, mean calls %.1f"):format(
  csv.rows, table.concat(csv.columns, ", "), csv.column_stats.calls.mean))

-- 3. JSON both ways.
local doc = JSON.parse('{"project": "llmspell", "tools": 40, "tags": ["lua", "jupyter"]}')
print("JSON: " .. doc.project .. " has tags " .. table.concat(doc.tags, "+"))
print("JSON.stringify: " .. JSON.stringify({ok = true, n = calc.result}))

-- 4. State survives between runs (saved atomically in ~/.llmspell/state).
local runs = (State.get("tour_runs") or 0) + 1
State.set("tour_runs", runs)
print(("This tour has run %d time(s) on this machine (State key 'tour_runs')."):format(runs))

-- 5. Tool errors are Lua errors, with the tool's error type.
local ok, err = pcall(Tool.invoke, "calculator", {input = "1 / 0"})
print("a failing call is caught by pcall: " .. tostring(not ok) .. " -- " .. tostring(err))

print("Done.")

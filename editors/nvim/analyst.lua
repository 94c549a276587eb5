-- analyst.lua: ask analyst what change could have caused the incident you
-- select, from Neovim (0.7 or later).
--
-- Install: copy this file to ~/.config/nvim/plugin/analyst.lua (or source it
-- from init.lua). Then select an error message or a stack trace and run
--
--   :'<,'>AnalystAsk
--
-- The selected lines go to `analyst ask -` on its stdin (no shell runs, so
-- nothing in the selection is ever executed); the ranked suspects, and the
-- explanation when Ollama runs, appear in a scratch split. Without a range
-- the whole buffer is sent.
--
-- Settings:
--   vim.g.analyst_command  the command as a list, default {"analyst", "ask", "-"}
--                          e.g. {"analyst", "--home", "/path", "ask", "--since", "30d", "-"}

local function show(buf, lines)
  vim.api.nvim_buf_set_option(buf, "modifiable", true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(buf, "modifiable", false)
end

local function ask(line1, line2)
  local text = table.concat(vim.api.nvim_buf_get_lines(0, line1 - 1, line2, false), "\n")
  local cmd = vim.g.analyst_command or { "analyst", "ask", "-" }

  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_option(buf, "buftype", "nofile")
  vim.api.nvim_buf_set_option(buf, "bufhidden", "wipe")
  vim.api.nvim_buf_set_option(buf, "swapfile", false)
  vim.api.nvim_buf_set_var(buf, "analyst_done", false)
  show(buf, { "analyst: asking about " .. (line2 - line1 + 1) .. " line(s)…" })

  local out, err = {}, {}
  local function collect(into)
    return function(_, data)
      for _, l in ipairs(data) do
        table.insert(into, l)
      end
    end
  end
  local ok, job = pcall(vim.fn.jobstart, cmd, {
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = collect(out),
    on_stderr = collect(err),
    on_exit = function(_, code)
      if not vim.api.nvim_buf_is_valid(buf) then
        return
      end
      local lines = {}
      for _, l in ipairs(out) do
        table.insert(lines, l)
      end
      while #lines > 0 and lines[#lines] == "" do
        table.remove(lines)
      end
      for _, l in ipairs(err) do
        if l ~= "" then
          table.insert(lines, l)
        end
      end
      if code ~= 0 then
        table.insert(lines, "analyst exited with status " .. code)
      end
      show(buf, lines)
      vim.api.nvim_buf_set_var(buf, "analyst_exit", code)
      vim.api.nvim_buf_set_var(buf, "analyst_done", true)
    end,
  })
  if not ok or job <= 0 then
    show(buf, { "analyst: could not run " .. cmd[1] .. " (is it on your PATH?)" })
    vim.api.nvim_buf_set_var(buf, "analyst_done", true)
    return
  end
  vim.fn.chansend(job, text)
  vim.fn.chanclose(job, "stdin")
end

vim.api.nvim_create_user_command("AnalystAsk", function(opts)
  ask(opts.line1, opts.line2)
end, { range = "%", desc = "ask analyst which change could have caused the selected incident" })

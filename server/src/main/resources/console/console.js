// Roost console: the little behaviour htmx does not cover. Served from the Roost server
// itself (Content-Security-Policy: script-src 'self'); no inline script anywhere.
(function () {
  "use strict";

  // The workspace switcher goes as soon as a workspace is picked (its Go button stays for keyboards without script).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Live logs: server-sent events from the API's own log stream (secret values already masked there).
  var log = document.getElementById("log");
  if (log && log.dataset.stream && window.EventSource) {
    var state = document.getElementById("log-state");
    var maxLines = 5000;
    var source = new EventSource(log.dataset.stream);
    var say = function (text) { if (state) { state.textContent = text; } };
    source.addEventListener("open", function (event) {
      var info = JSON.parse(event.data);
      say("Following replica " + info.replica + " (version " + info.version + ", " + info.state + ").");
    });
    source.addEventListener("line", function (event) {
      var line = JSON.parse(event.data);
      var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      var row = document.createElement("span");
      row.className = "line " + line.stream;
      row.textContent = line.text + "\n";
      log.appendChild(row);
      while (log.childNodes.length > maxLines) { log.removeChild(log.firstChild); }
      if (atBottom) { log.scrollTop = log.scrollHeight; }
    });
    source.addEventListener("end", function () {
      say("The container's output ended.");
      source.close();
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED || log.childNodes.length === 0) {
        say("The log stream is not available: the instance may have no container yet. Reload to try again.");
        source.close();
      } else {
        say("Connection lost; reconnecting…");
      }
    };
  }
  // Live task output: the task API's own server-sent events (output chunks, then the end with the final state).
  var output = document.getElementById("task-output");
  if (output && output.dataset.taskStream && window.EventSource) {
    var outputState = document.getElementById("output-state");
    var tell = function (text) { if (outputState) { outputState.textContent = text; } };
    var maxChunks = 20000;
    var events = new EventSource(output.dataset.taskStream);
    events.addEventListener("open", function () { tell("Following the task's output…"); });
    events.addEventListener("output", function (event) {
      var chunk = JSON.parse(event.data);
      var atEnd = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
      var part = document.createElement("span");
      part.className = "line " + chunk.stream;
      part.textContent = chunk.text;
      output.appendChild(part);
      while (output.childNodes.length > maxChunks) { output.removeChild(output.firstChild); }
      if (atEnd) { output.scrollTop = output.scrollHeight; }
      tell("Following the task's output (attempt " + chunk.attempt + ")…");
    });
    events.addEventListener("end", function (event) {
      var info = JSON.parse(event.data);
      tell("The task has ended: " + info.state + ".");
      events.close();
      var summary = document.getElementById("task-summary");
      if (summary && window.htmx && summary.getAttribute("hx-get")) {
        window.htmx.ajax("GET", summary.getAttribute("hx-get"), {target: summary, swap: "outerHTML"});
      }
    });
    // The stream starts from the first chunk each time: rather than reconnect and repeat it, stop and say so.
    events.onerror = function () {
      events.close();
      tell("The output stream was interrupted. Reload the page to see the whole output.");
    };
  }
})();

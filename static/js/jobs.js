// A background job's page: poll its progress, move the bar, and show the result when done.
(function () {
  var job = document.getElementById("job");
  if (!job || job.getAttribute("data-status") === "done" || job.getAttribute("data-status") === "failed") {
    return;
  }
  var url = job.getAttribute("data-progress-url");
  var bar = document.getElementById("job-bar");
  var counts = document.getElementById("job-counts");
  var waiting = document.getElementById("job-waiting");
  var status = document.getElementById("job-status");

  function show(state) {
    if (state.percent === null || state.percent === undefined) {
      bar.style.width = "100%";
      bar.removeAttribute("aria-valuenow");
      bar.textContent = "";
    } else {
      bar.style.width = state.percent + "%";
      bar.setAttribute("aria-valuenow", String(state.percent));
      bar.textContent = state.percent + "%";
    }
    counts.textContent = state.text || "";
    status.textContent = state.status_text;
    waiting.classList.toggle("d-none", !state.waiting_long);
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) {
          throw new Error("progress " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state.finished) {
          window.location.reload();  // the page shows the result
          return;
        }
        show(state);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);  // signed out, or the server restarting: slower
      });
  }

  window.setTimeout(poll, 500);
})();

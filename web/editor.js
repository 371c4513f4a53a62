// The publish page: while the job runs, ask for its state and, when it is done, show the result in the
// page's live region (announced by screen readers). Without JavaScript the page has an "Oppdater status" link.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-state='running']");
  if (!box || !window.fetch) return;
  var statusUrl = box.getAttribute("data-status-url");

  function showResult() {
    fetch(window.location.href, {credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(box.id);
        if (fresh) {
          box.innerHTML = fresh.innerHTML;
          box.setAttribute("data-job-state", fresh.getAttribute("data-job-state"));
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.location.reload(); });
  }

  function poll() {
    fetch(statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.state !== "running") { showResult(); return; }
        var step = box.querySelector("[data-step]");
        if (status && step) step.textContent = status.step;
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }

  window.setTimeout(poll, 1000);
})();

// billforge web page: tabs of the New Task form, live task progress, login form labels.
// Plain JavaScript, no inline scripts (the pages' Content-Security-Policy allows only this file).
"use strict";

(function () {
  var FINISHED = { succeeded: true, failed: true, canceled: true };

  function setupTabs() {
    var tabs = document.querySelectorAll("[data-tab]");
    tabs.forEach(function (tab) {
      tab.addEventListener("click", function () {
        var name = tab.getAttribute("data-tab");
        tabs.forEach(function (other) {
          other.setAttribute("aria-selected", other === tab ? "true" : "false");
        });
        document.querySelectorAll("[data-panel]").forEach(function (panel) {
          panel.hidden = panel.getAttribute("data-panel") !== name;
        });
      });
    });
  }

  function formatSeconds(value) {
    if (value === null || value === undefined) {
      return "";
    }
    var seconds = Math.round(value);
    var minutes = Math.floor(seconds / 60);
    var hours = Math.floor(minutes / 60);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return hours ? hours + ":" + pad(minutes % 60) + ":" + pad(seconds % 60) : minutes + ":" + pad(seconds % 60);
  }

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? value : value[key];
    }, data);
  }

  function render(element, task) {
    element.setAttribute("data-status", task.status);
    element.querySelectorAll("[data-field]").forEach(function (field) {
      var path = field.getAttribute("data-field");
      if (path === "progress") {
        field.max = task.rows.total || 1;
        field.value = task.rows.done;
        return;
      }
      var value = lookup(task, path);
      if (field.getAttribute("data-format") === "seconds") {
        value = formatSeconds(value);
      }
      if (path === "message") {
        field.hidden = !value;
      }
      field.textContent = value === null || value === undefined ? "" : String(value);
    });
    if (FINISHED[task.status]) {
      element.querySelectorAll("[data-cancel]").forEach(function (form) { form.hidden = true; });
    }
    element.querySelectorAll("[data-results]").forEach(function (link) {
      link.hidden = !task.resultsUrl;
    });
  }

  function poll(element) {
    var url = element.getAttribute("data-task-poll");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (task) {
          render(element, task);
          if (!FINISHED[task.status]) {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function () {
          window.setTimeout(tick, 5000);
        });
    }
    if (!FINISHED[element.getAttribute("data-status")]) {
      window.setTimeout(tick, 500);
    }
  }

  function setupLoginKind() {
    var kind = document.querySelector("[data-login-kind]");
    if (!kind) {
      return;
    }
    function relabel() {
      document.querySelectorAll("[data-kind-label]").forEach(function (label) {
        label.getAttribute("data-kind-label").split("|").forEach(function (choice) {
          var parts = choice.split(":");
          if (parts[0] === kind.value) {
            label.textContent = parts[1];
          }
        });
      });
    }
    kind.addEventListener("change", relabel);
    relabel();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTabs();
    setupLoginKind();
    document.querySelectorAll("[data-task-poll]").forEach(poll);
  });
})();

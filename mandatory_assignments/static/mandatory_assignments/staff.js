/*
 * Staff pages of mandatory assignments: a little progressive enhancement, no build step, no libraries.
 * Everything here also works without it (plain forms posting to the server):
 *   - the people autocomplete (an ARIA 1.2 combobox over GET /api/mandatory_assignments/v1/people/?q=),
 *   - the reminders editor's Add reminder / Remove without a round trip,
 *   - the bulk wizard's people tabs (ARIA tabs),
 *   - the progress of a background bulk assignment (polling GET .../bulk/<task_id>/),
 *   - focus moved to an error summary, so that it is read first.
 */
(function () {
  "use strict";

  // Translated strings come from the page (<script type="application/json" id="ma-i18n">); English otherwise.
  var i18n = {
    results_one: "1 person found. Use the arrow keys to choose.",
    results_many: "{n} people found. Use the arrow keys to choose.",
    none: "Nobody found.",
    selected: "Selected {label}.",
    added: "Reminder {n} added.",
    removed: "Reminder removed.",
    remove: "Remove reminder {n}",
    remove_text: "Remove",
    done: "{done} of {total} done"
  };
  var given = document.getElementById("ma-i18n");
  if (given) {
    try { Object.assign(i18n, JSON.parse(given.textContent)); } catch (e) { /* keep English */ }
  }

  function text(name, values) {
    return String(i18n[name]).replace(/\{(\w+)\}/g, function (all, key) {
      return values && key in values ? String(values[key]) : all;
    });
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // People autocomplete ----------------------------------------------------------------------------

  function setUpCombobox(input) {
    var box = input.closest("[data-ma-combobox]");
    if (!box || !box.dataset.maPeopleUrl || input.dataset.maReady) { return; }
    input.dataset.maReady = "1";
    var listId = input.id + "-listbox";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "ma-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (box.querySelector("label") || {}).textContent || "People");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "ma-visually-hidden";
    status.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", list);
    box.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    var options = [];
    var active = -1;
    var sequence = 0;

    function target() {
      if (box.dataset.maTarget) { return box.dataset.maTarget; }
      var field = box.dataset.maTargetField && document.getElementById(box.dataset.maTargetField);
      return field ? field.value : "";
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      input.value = option.dataset.value;
      close();
      status.textContent = text("selected", { label: option.dataset.label });
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function render(people) {
      list.innerHTML = "";
      options = people.slice(0, 20).map(function (person, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var label = person.name ? person.name + " (" + person.username + ")" : person.username;
        option.dataset.value = person.username;
        option.dataset.label = label;
        option.textContent = label;
        if (person.email) {
          var detail = document.createElement("span");
          detail.className = "ma-option-detail";
          detail.textContent = person.email;
          option.appendChild(detail);
        }
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(option); });
        list.appendChild(option);
        return option;
      });
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        highlight(-1);
        status.textContent = options.length === 1 ? text("results_one") : text("results_many", { n: options.length });
      } else {
        close();
        status.textContent = text("none");
      }
    }

    var search = debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var mine = ++sequence;
      var url = box.dataset.maPeopleUrl + "?q=" + encodeURIComponent(q);
      if (target()) { url += "&target=" + encodeURIComponent(target()); }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (data) {
          if (mine !== sequence) { return; }  // a later search answered first
          render(Array.isArray(data) ? data : (data.results || []));
        })
        .catch(function () { close(); });
    }, 200);

    input.addEventListener("input", search);
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        if (open) { highlight((active + 1) % options.length); event.preventDefault(); }
        else { search(); }
      } else if (event.key === "ArrowUp" && open) {
        highlight(active <= 0 ? options.length - 1 : active - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // Reminders editor -------------------------------------------------------------------------------

  function setUpReminders(editor) {
    var rows = editor.querySelector("[data-ma-rows]");
    var template = editor.querySelector("template[data-ma-row-template]");
    var total = editor.querySelector("input[name$='-TOTAL_FORMS']");
    var add = editor.querySelector("[data-ma-add-row]");
    var status = editor.querySelector("[data-ma-reminders-status]");
    var emptyHint = editor.querySelector("[data-ma-no-reminders]");
    var max = parseInt(editor.dataset.max || "20", 10);
    if (!rows || !template || !total || !add) { return; }

    function visibleRows() {
      return Array.prototype.filter.call(rows.querySelectorAll("[data-ma-row]"), function (row) { return !row.hidden; });
    }

    function renumber() {
      var visible = visibleRows();
      visible.forEach(function (row, index) {
        var number = row.querySelector("[data-ma-row-number]");
        if (number) { number.textContent = String(index + 1); }
        var button = row.querySelector("[data-ma-remove]");
        if (button) { button.setAttribute("aria-label", text("remove", { n: index + 1 })); }
      });
      add.disabled = visible.length >= max;
      if (emptyHint) { emptyHint.hidden = visible.length > 0; }
      return visible.length;
    }

    function enhanceRow(row) {
      var box = row.querySelector("[data-ma-remove-box]");
      var checkbox = box && box.querySelector("input[type=checkbox]");
      if (!checkbox) { return; }
      if (checkbox.checked) { row.hidden = true; }
      box.hidden = true;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ma-button ma-button--secondary";
      button.dataset.maRemove = "1";
      button.textContent = text("remove_text");
      button.addEventListener("click", function () {
        checkbox.checked = true;
        row.hidden = true;
        renumber();
        status.textContent = text("removed");
        add.focus();
      });
      box.insertAdjacentElement("afterend", button);
    }

    add.type = "button";
    add.removeAttribute("name");
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.querySelector("[data-ma-row]");
      rows.appendChild(row);
      total.value = String(index + 1);
      enhanceRow(row);
      var count = renumber();
      status.textContent = text("added", { n: count });
      var first = row.querySelector("input, select");
      if (first) { first.focus(); }
    });
    Array.prototype.forEach.call(rows.querySelectorAll("[data-ma-row]"), enhanceRow);
    renumber();
  }

  // Tabs of the bulk wizard's people step ----------------------------------------------------------

  function setUpTabs(container) {
    var tablist = container.querySelector("[data-ma-tablist]");
    var tabs = Array.prototype.slice.call(container.querySelectorAll("[data-ma-tab]"));
    var input = container.closest("form").querySelector("[data-ma-active-tab]");
    if (!tablist || !tabs.length) { return; }
    container.classList.add("ma-tabs--enhanced");
    tablist.hidden = false;

    function panelOf(tab) { return document.getElementById(tab.getAttribute("aria-controls")); }

    function select(tab, focus) {
      tabs.forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.tabIndex = selected ? 0 : -1;
        var panel = panelOf(other);
        panel.hidden = !selected;
      });
      if (input) { input.value = tab.dataset.maTab; }
      if (focus) { tab.focus(); }
    }

    tabs.forEach(function (tab, index) {
      var panel = panelOf(tab);
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = 0;
      tab.addEventListener("click", function () { select(tab, false); });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
        else if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
        else if (event.key === "Home") { next = tabs[0]; }
        else if (event.key === "End") { next = tabs[tabs.length - 1]; }
        if (next) { event.preventDefault(); select(next, true); }
      });
    });
    var initial = tabs.filter(function (tab) { return input && tab.dataset.maTab === input.value; })[0] || tabs[0];
    select(initial, false);
  }

  // Progress of a background bulk assignment -------------------------------------------------------

  function setUpProgress(box) {
    var url = box.dataset.maBulkJob;
    var bar = box.querySelector("[data-ma-progress]");
    var label = box.querySelector("[data-ma-progress-text]");
    var failures = 0;
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
        .then(function (job) {
          failures = 0;
          if (bar) { bar.max = job.total || 1; bar.value = job.done || 0; }
          if (label) { label.textContent = text("done", { done: job.done || 0, total: job.total || 0 }); }
          if (job.state === "SUCCESS" || job.state === "FAILURE") { window.location.reload(); return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { if (++failures < 10) { setTimeout(poll, 2000); } });
    }
    setTimeout(poll, 500);
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-ma-autocomplete='people']"), setUpCombobox);
    Array.prototype.forEach.call(document.querySelectorAll("[data-ma-reminders]"), setUpReminders);
    Array.prototype.forEach.call(document.querySelectorAll("[data-ma-tabs]"), setUpTabs);
    Array.prototype.forEach.call(document.querySelectorAll("[data-ma-bulk-job]"), setUpProgress);
    var summary = document.querySelector("[data-ma-error-summary]");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
}());

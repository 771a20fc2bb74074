/* Record forms: look-ups in the page's language with "add a new one" beside them, and a
   draft of what was typed kept in this browser until the record is saved. */
(function () {
  "use strict";
  var settings = {};
  try { settings = JSON.parse(document.getElementById("app-settings").textContent); }
  catch (e) { settings = {}; }
  var $ = window.jQuery;
  var words = settings.lookups || {};
  var draftWords = settings.drafts || {};

  /* --- look-ups (select2 3.5) in the page's language ----------------------------------- */
  if ($ && $.fn.select2 && $.fn.select2.defaults) {
    $.extend($.fn.select2.defaults, {
      formatNoMatches: function () { return words.noMatches || "—"; },
      formatSearching: function () { return words.searching || "…"; },
      formatInputTooShort: function () { return words.tooShort || ""; },
      formatLoadMore: function () { return words.loadMore || "…"; },
      formatAjaxError: function () { return words.error || ""; }
    });
  }

  /* --- adding a partner or contact in place --------------------------------------------- */
  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function link(input, item) {
    var $input = $(input);
    var chosen = $input.select2("data") || [];
    if (!Array.isArray(chosen)) { chosen = chosen ? [chosen] : []; }
    if (!chosen.some(function (c) { return String(c.id) === String(item.id); })) {
      chosen.push({ id: item.id, text: item.text });
    }
    choose(input, input.getAttribute("data-multiple") === "1" ? chosen : chosen.pop());
  }

  /* Set a look-up's choice. select2 re-reads data-json on every change event, so it is kept
     in step, or the choice would vanish from the screen while staying in the form. */
  function choose(input, data) {
    var list = data ? (Array.isArray(data) ? data : [data]) : [];
    var json = list.map(function (item) { return [item.id, item.text]; });
    input.setAttribute("data-json", JSON.stringify(
      input.getAttribute("data-multiple") === "1" ? json : (json[0] || null)));
    $(input).select2("data", data, true);
  }

  function showErrors(form, errors) {
    form.querySelectorAll("[data-errors-for]").forEach(function (box) {
      var name = box.getAttribute("data-errors-for");
      var field = form.querySelector("[name=" + name + "]");
      var messages = (errors || {})[name] || [];
      box.textContent = messages.join(" ");
      box.classList.toggle("d-block", messages.length > 0);
      if (field) { field.classList.toggle("is-invalid", messages.length > 0); }
    });
  }

  function openQuickAdd(input) {
    var url = input.getAttribute("data-quick-add");
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var old = document.getElementById("quick-add-modal");
      if (old) { $(old).modal("hide"); old.remove(); }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var modal = holder.firstElementChild;
      document.body.appendChild(modal);
      var form = modal.querySelector("form");
      var message = modal.querySelector("#quick-add-message");
      var search = document.querySelector(".select2-drop-active .select2-input");
      var first = form.querySelector("input[type=text], input:not([type])");
      if (search && search.value && first) { first.value = search.value; }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        message.classList.add("d-none");
        fetch(form.action, {
          method: "POST", credentials: "same-origin", body: new FormData(form),
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) { return { status: response.status, body: body }; });
        }).then(function (answer) {
          if (answer.status === 201) {
            link(input, answer.body);
            $(modal).modal("hide");
            return;
          }
          showErrors(form, answer.body.errors);
          if (answer.body.message) {
            message.textContent = answer.body.message + " ";
            if (answer.body.duplicate) {
              var use = document.createElement("button");
              use.type = "button";
              use.className = "btn btn-sm btn-primary";
              use.id = "quick-add-use-existing";
              use.textContent = answer.body.duplicate.text;
              use.addEventListener("click", function () {
                link(input, answer.body.duplicate);
                $(modal).modal("hide");
              });
              message.appendChild(use);
            }
            message.classList.remove("d-none");
          }
        }).catch(function () {
          message.textContent = words.error || "";
          message.classList.remove("d-none");
        });
      });
      $(modal).on("hidden.bs.modal", function () { modal.remove(); });
      $(modal).on("shown.bs.modal", function () { if (first) { first.focus(); } });
      $(modal).modal("show");
    }).catch(function () { window.alert(words.error || ""); });
  }

  function offerQuickAdd(input) {
    if (input.hasAttribute("data-quick-ready")) { return; }
    input.setAttribute("data-quick-ready", "1");
    var add = document.createElement("button");
    add.type = "button";
    add.className = "btn btn-sm btn-outline-secondary mt-1 quick-add";
    add.setAttribute("data-for", input.id);
    var icon = document.createElement("i");
    icon.className = "fa fa-plus";
    icon.setAttribute("aria-hidden", "true");
    add.appendChild(icon);
    add.appendChild(document.createTextNode(" " + input.getAttribute("data-quick-label")));
    add.addEventListener("click", function () { openQuickAdd(input); });
    input.parentNode.appendChild(add);
  }

  /* --- drafts: what was typed, kept in this browser until the record is saved ------------ */
  var PREFIX = "coalition-draft:";

  function draftKey() {
    var id = new URLSearchParams(window.location.search).get("id") || "";
    return PREFIX + settings.user + ":" + window.location.pathname + "|" + id;
  }

  function kept(field) {
    return field.name && field.name !== "csrf_token" && !field.hasAttribute("data-personal") &&
      field.type !== "password" && field.type !== "file" && !field.disabled &&
      !field.closest("#quick-add-modal");
  }

  function snapshot(form) {
    var values = {}, labels = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) { (values[field.name] = values[field.name] || []).push(field.value); }
        else if (!(field.name in values)) { values[field.name] = []; }
        return;
      }
      if (field.tagName === "SELECT" && field.multiple) {
        values[field.name] = Array.prototype.filter.call(field.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
        return;
      }
      values[field.name] = [field.value];
      if (field.getAttribute("data-role") === "select2-ajax" && $) {
        labels[field.name] = $(field).select2("data");
      }
    });
    return { values: values, labels: labels };
  }

  function same(a, b) { return JSON.stringify(a.values) === JSON.stringify(b.values); }

  function restore(form, draft) {
    Object.keys(draft.values).forEach(function (name) {
      var wanted = draft.values[name];
      var fields = Array.prototype.filter.call(form.elements, function (f) {
        return f.name === name && kept(f);
      });
      fields.forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = wanted.indexOf(field.value) !== -1;
        } else if (field.tagName === "SELECT") {
          Array.prototype.forEach.call(field.options, function (o) { o.selected = wanted.indexOf(o.value) !== -1; });
          if ($ && $(field).data("select2")) { $(field).trigger("change"); }
        } else if (field.getAttribute("data-role") === "select2-ajax" && $ && draft.labels[name] !== undefined) {
          choose(field, draft.labels[name]);
          return;
        } else {
          field.value = wanted[0] || "";
        }
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function banner(form, text, buttons) {
    var box = document.createElement("div");
    box.className = "alert alert-info d-flex flex-wrap align-items-center";
    box.id = "draft-offer";
    box.setAttribute("role", "status");
    var span = document.createElement("span");
    span.className = "mr-2 ml-2";
    span.textContent = text;
    box.appendChild(span);
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm m-1 " + b[2];
      button.id = b[3];
      button.textContent = b[0];
      button.addEventListener("click", function () { b[1](); box.remove(); });
      box.appendChild(button);
    });
    form.parentNode.insertBefore(box, form);
  }

  function setUpDrafts(form) {
    if (!settings.user || !window.localStorage) { return; }
    var key = draftKey();
    var pending = "coalition-submitted:" + key;
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
    var resumed = window.sessionStorage && window.sessionStorage.getItem(pending);
    if (window.sessionStorage) { window.sessionStorage.removeItem(pending); }
    if (stored && stored.values && !same(stored, snapshot(form))) {
      if (resumed && !document.querySelector(".is-invalid, .invalid-feedback")) {
        // sent, then refused at the door (the session had ended): back in the form at once
        restore(form, stored);
        banner(form, draftWords.restored || "", []);
      } else {
        var when = new Date(stored.at || Date.now()).toLocaleString(document.documentElement.lang || undefined);
        banner(form, (draftWords.offer || "").replace("%(when)s", when), [
          [draftWords.restore || "OK", function () { restore(form, stored); }, "btn-primary", "draft-restore"],
          [draftWords.discard || "×", function () { window.localStorage.removeItem(key); }, "btn-outline-secondary", "draft-discard"]
        ]);
      }
    }
    var timer = null;
    function save() {
      timer = null;
      var state = snapshot(form);
      state.at = Date.now();
      try { window.localStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* full */ }
    }
    function later() { if (timer) { window.clearTimeout(timer); } timer = window.setTimeout(save, 300); }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function () {
      save();
      if (window.sessionStorage) { window.sessionStorage.setItem(pending, "1"); }
    });
  }

  function forget(saved) {
    if (!saved || !settings.user || !window.localStorage) { return; }
    window.localStorage.removeItem(PREFIX + settings.user + ":" + saved);
  }

  function start() {
    forget(settings.saved);  // the record was saved: its draft is no longer needed
    var summary = document.getElementById("form-errors");
    if (summary) { summary.focus(); }
    var form = document.querySelector("form.admin-form");
    if (form && form.querySelector("input[name=record_version]")) {
      form.querySelectorAll("input[data-quick-add]").forEach(offerQuickAdd);
      setUpDrafts(form);
    }
  }
  // after Flask-Admin's form.js has turned the look-ups into select2 boxes (also on ready)
  if ($) { $(function () { window.setTimeout(start, 0); }); }
  else { document.addEventListener("DOMContentLoaded", start); }
})();

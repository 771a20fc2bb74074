// Behaviour that would otherwise be inline (blocked by the Content-Security-Policy).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
// Links that only open a menu or add a filter (javascript: links are blocked by the CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("a[data-noop]")) {
    event.preventDefault();
  }
});
// Links that start work (a download made by a background job) are posted with the page's
// CSRF token; without scripts they open a page with the same button.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-post]");
  if (!link || event.defaultPrevented) {
    return;
  }
  event.preventDefault();
  var form = document.createElement("form");
  form.method = "post";
  form.action = link.href;
  var token = document.createElement("input");
  token.type = "hidden";
  token.name = "csrf_token";
  token.value = link.getAttribute("data-csrf");
  form.appendChild(token);
  document.body.appendChild(form);
  form.submit();
});

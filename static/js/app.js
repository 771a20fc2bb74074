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

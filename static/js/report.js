/* The annual report's print button (the page carries no inline script). */
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-report");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});

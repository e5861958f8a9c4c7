// The site report's "Print" button: shown only where JavaScript runs (the browser's own
// print command works everywhere).
document.querySelectorAll(".js-print").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});

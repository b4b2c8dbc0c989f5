// Pin Kiosk proof files (PDF, photo, JSON credential, badge image): choosing a file, or
// dropping one anywhere on the scan page, checks it at once (the file form posts it to
// /scan/image, which takes every kind; the answer takes the verdict's place).
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }

  function checkImage(files) {
    var form = byId("image-form");
    var input = byId("badge-image");
    if (!form || !input || !files || !files.length) return;
    if (input.files !== files) {
      var list = new DataTransfer();
      list.items.add(files[0]);
      input.files = list.files;
    }
    form.requestSubmit();
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "badge-image") checkImage(e.target.files);
  });
  document.addEventListener("dragover", function (e) {
    if (!byId("image-form")) return;
    e.preventDefault();
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", function (e) {
    if (!e.relatedTarget) document.body.classList.remove("dropping");
  });
  document.addEventListener("drop", function (e) {
    if (!byId("image-form")) return;
    e.preventDefault();
    document.body.classList.remove("dropping");
    checkImage(e.dataTransfer && e.dataTransfer.files);
  });
})();

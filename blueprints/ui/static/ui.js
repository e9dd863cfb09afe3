/* The web UI's only script (served from this server: works offline). Every page works
   without it; it adds: focus on a form's error summary, "copy" buttons for curl
   commands, and an upload progress bar for imports. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // Screen readers announce role=alert; moving focus there also puts keyboard users next to the links.
  function focusSummary() {
    var summary = document.getElementById("conflict") || document.getElementById("errors");
    if (summary) { summary.focus(); }
  }

  function copyButtons() {
    document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source) { return; }
        var text = source.textContent;
        var done = function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
        } else {
          selectText(source);
        }
      });
    });
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The import form: sent with XMLHttpRequest so the bytes sent can be shown; the server
  // answers with the result fragment (X-Requested-With: fetch), put in the live region.
  function importProgress() {
    var form = document.getElementById("import-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
    var box = document.getElementById("import-progress");
    var bar = document.getElementById("upload-bar");
    var label = document.getElementById("upload-label");
    var result = document.getElementById("import-result");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      var file = document.getElementById("file");
      if (!file.files || !file.files.length) { return; } // let the server say what is missing
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      box.hidden = false;
      button.disabled = true;
      bar.value = 0;
      bar.removeAttribute("aria-valuetext");
      label.textContent = "Uploading " + file.files[0].name;
      result.textContent = "";
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          bar.setAttribute("aria-valuetext", bar.value + "% uploaded");
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        bar.removeAttribute("value"); // indeterminate while the server imports
        label.textContent = "Uploaded; importing…";
      });
      xhr.addEventListener("load", function () {
        box.hidden = true;
        button.disabled = false;
        if (xhr.getResponseHeader("Content-Type") && xhr.getResponseHeader("Content-Type").indexOf("text/html") === 0
            && xhr.responseText.indexOf("<!doctype") !== 0) {
          result.innerHTML = xhr.responseText; // rendered (and escaped) by the server's template
        } else {
          // A whole page (e.g. an error page): show it as the browser would have.
          document.open();
          document.write(xhr.responseText);
          document.close();
          return;
        }
        form.reset();
        result.focus();
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        button.disabled = false;
        result.textContent = "The upload failed (the connection was lost). Nothing more is known: check the cards, then try again.";
        result.focus();
      });
      xhr.send(new FormData(form));
    });
  }

  ready(function () {
    focusSummary();
    copyButtons();
    importProgress();
  });
}());

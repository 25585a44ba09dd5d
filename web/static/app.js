// LureLens page enhancements. Everything works without this file; it only adds drag-and-drop,
// pasting an image, copy buttons, the focus move to the verdict and "Back" using history.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function setFile(input, file, form) {
    var dt = new DataTransfer();
    dt.items.add(file);
    input.files = dt.files;
    var chosen = document.getElementById("chosen");
    if (chosen) { chosen.textContent = file.name || "image"; }
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  }

  ready(function () {
    // Move focus to the verdict so screen readers and keyboard users start there.
    var heading = document.getElementById("result-heading");
    if (heading && !document.getElementById("go-back")) { heading.focus(); }

    // Copy buttons are hidden without JavaScript (the text stays selectable).
    document.querySelectorAll("button.copy").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var text = btn.getAttribute("data-copy") || "";
        var done = function () { btn.textContent = btn.getAttribute("data-done") || "OK"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () {});
        } else {
          var ta = document.createElement("textarea");
          ta.value = text; ta.setAttribute("readonly", ""); ta.style.position = "fixed"; ta.style.opacity = "0";
          document.body.appendChild(ta); ta.select();
          try { document.execCommand("copy"); done(); } catch (e) { /* ignore */ }
          document.body.removeChild(ta);
        }
      });
    });

    // "Back" on the interstitial: go back in history when there is somewhere to go.
    var back = document.getElementById("go-back");
    if (back) {
      back.focus();
      back.addEventListener("click", function (ev) {
        if (window.history.length > 1) { ev.preventDefault(); window.history.back(); }
      });
    }

    var form = document.getElementById("scan-form");
    var input = document.getElementById("image");
    var zone = document.getElementById("dropzone");
    if (!form || !input) { return; }
    var camera = document.getElementById("camera");
    if (camera) {
      camera.addEventListener("change", function () {
        if (camera.files && camera.files[0]) { setFile(input, camera.files[0], null); camera.value = ""; form.submit(); }
      });
    }
    if (zone) {
      ["dragenter", "dragover"].forEach(function (t) {
        zone.addEventListener(t, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (t) {
        zone.addEventListener(t, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (ev) {
        ev.preventDefault();
        var files = ev.dataTransfer && ev.dataTransfer.files;
        if (files && files[0] && /^image\//.test(files[0].type)) { setFile(input, files[0], form); }
      });
    }
    // Paste a screenshot anywhere on the home page (not while typing in the text box).
    document.addEventListener("paste", function (ev) {
      if (ev.target && ev.target.tagName === "TEXTAREA") { return; }
      var items = (ev.clipboardData && ev.clipboardData.items) || [];
      for (var i = 0; i < items.length; i++) {
        if (items[i].kind === "file" && /^image\//.test(items[i].type)) {
          var f = items[i].getAsFile();
          if (f) { ev.preventDefault(); setFile(input, f, form); return; }
        }
      }
    });
  });
})();

// Explorers in the HTML book without a kernel (initlab/explorers/static.py): each
// <div data-initlab-views> carries a JSON manifest of precomputed views; its controls
// pick the view and this script swaps the image and the text line. No network.
(function () {
  "use strict";
  function setup(root) {
    var dataEl = root.querySelector("script.initlab-views-data");
    if (!dataEl || root.getAttribute("data-initlab-ready")) return;
    root.setAttribute("data-initlab-ready", "1");
    var data = JSON.parse(dataEl.textContent);
    var img = root.querySelector(".initlab-views-image");
    var text = root.querySelector(".initlab-views-text");
    var inputs = data.keys.map(function (k) {
      return root.querySelector('[data-key="' + k + '"]');
    });
    function index(el) {
      return el.type === "checkbox" ? (el.checked ? 1 : 0) : parseInt(el.value, 10);
    }
    function show() {
      var idx = inputs.map(index);
      inputs.forEach(function (el, i) {
        var out = el.parentNode.querySelector("output");
        if (out) out.textContent = data.labels[i][idx[i]];
      });
      var view = data.views[idx.join(",")];
      if (!view) return;
      if (view[0] >= 0) {
        img.src = "data:image/png;base64," + data.images[view[0]];
        img.style.display = "";
      } else {
        img.style.display = "none"; // nothing to draw at this setting: the text says why
      }
      text.innerHTML = view[1];
      root.setAttribute("data-initlab-view", idx.join(","));
    }
    inputs.forEach(function (el) {
      el.addEventListener("input", show);
      el.addEventListener("change", show);
    });
    show();
  }
  function setupAll() {
    document.querySelectorAll("[data-initlab-views]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();

// Loaded on pages with saved widgets, after RequireJS and before the widget embed bundle
// (see tools/offline_assets.py). Two fixes for reading the book with no network:
//
// 1. The embed bundle is an AMD module named "@jupyter-widgets/html-manager/dist/...";
//    it finds its icon fonts next to its own module URL. Map that module path to the copy
//    served by the book, so the fonts come from _static/npm/html-manager/ and not from
//    a folder relative to the page.
// 2. The widgets typeset LaTeX in their labels through the MathJax 2 API
//    (MathJax.Hub.Queue); the book uses MathJax 3. Provide that call on top of MathJax 3.
(function () {
  "use strict";
  var script = document.currentScript;
  var here = script ? script.src.split("?")[0] : "";
  var staticDir = here.slice(0, here.lastIndexOf("/") + 1); // .../_static/
  if (window.require && window.require.config) {
    window.require.config({
      paths: {
        "@jupyter-widgets/html-manager/dist": staticDir + "npm/html-manager",
      },
    });
  }

  function typeset(element) {
    var mj = window.MathJax;
    var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
    ready
      .then(function () {
        if (typeof mj.typesetPromise === "function") {
          return mj.typesetPromise(element ? [element] : undefined);
        }
      })
      .catch(function (err) {
        console.warn("MathJax could not typeset a widget label:", err);
      });
  }

  function installHub() {
    var mj = window.MathJax;
    if (!mj || !mj.version || mj.Hub) {
      return;
    }
    mj.Hub = {
      Queue: function () {
        for (var i = 0; i < arguments.length; i++) {
          var job = arguments[i];
          if (Array.isArray(job) && job[0] === "Typeset") {
            typeset(job[2]);
          }
        }
      },
    };
  }

  // MathJax 3 is a deferred script: it runs before DOMContentLoaded, and the widgets
  // render after it. Install the shim as early as possible, whichever comes first.
  installHub();
  document.addEventListener("DOMContentLoaded", installHub);
  window.addEventListener("load", installHub);
})();

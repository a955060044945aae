/* govit page behaviour. No inline scripts anywhere: everything lives in static files (strict CSP). */
(function () {
  "use strict";
  // Styles that only make sense with this script (the collapsed phone menu) key on html.js.
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // htmx 4: add Django's CSRF header to every htmx request.
  document.addEventListener("htmx:config:request", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Destructive actions: a form with data-confirm asks first in the page's <dialog>; confirming adds
  // confirmed=1, which the server requires (without this script it shows its own confirmation page).
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (form.querySelector('input[name="confirmed"]')) return;
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;  // the server asks instead
    evt.preventDefault();
    var submitter = evt.submitter;
    document.getElementById("confirm-dialog-title").textContent = form.getAttribute("data-confirm");
    document.getElementById("confirm-dialog-detail").textContent = form.getAttribute("data-confirm-detail") || "";
    document.getElementById("confirm-dialog-ok").textContent = form.getAttribute("data-confirm-ok") || "确认";
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue !== "ok") {
        if (submitter) submitter.focus();
        return;
      }
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "confirmed";
      flag.value = "1";
      form.appendChild(flag);
      if (submitter && submitter.name) {  // form.submit() drops the clicked button's own name/value
        var extra = document.createElement("input");
        extra.type = "hidden";
        extra.name = submitter.name;
        extra.value = submitter.value;
        form.appendChild(extra);
      }
      form.submit();
    });
    dialog.showModal();
  });

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Phones: the top menu folds behind the 菜单 button (CSS shows the button only on narrow screens).
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("topmenu");
    if (toggle && menu) {
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        menu.classList.toggle("open", open);
      });
      document.addEventListener("keydown", function (evt) {
        if (evt.key === "Escape" && menu.classList.contains("open")) {
          toggle.setAttribute("aria-expanded", "false");
          menu.classList.remove("open");
          toggle.focus();
        }
      });
    }
    // Tables wider than the screen scroll sideways; say so, or columns would be hidden without a hint.
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1 && !box.previousElementSibling?.classList.contains("scroll-hint")) {
        var hint = document.createElement("p");
        hint.className = "scroll-hint hint";
        hint.textContent = "表格较宽，可左右滑动查看全部列 →";
        box.parentNode.insertBefore(hint, box);
      }
    });
  });
})();

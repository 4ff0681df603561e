// Partner Portal behaviour that needs script. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";

  // Buttons with data-copy-target="#id" copy that element's value or text to the clipboard.
  function copyFrom(button) {
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    var text = "value" in target ? target.value : target.textContent;
    var done = function () {
      var original = button.innerHTML;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      window.setTimeout(function () {
        button.innerHTML = original;
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        target.select && target.select();
      });
    } else if (target.select) {
      target.select();
      document.execCommand("copy");
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
    var filler = event.target.closest("[data-fill-target]");
    if (filler) {
      var field = document.querySelector(filler.getAttribute("data-fill-target"));
      var text = filler.querySelector("[data-suggestion-text]");
      if (field && text) {
        field.value = text.textContent.trim();
        field.focus();
      }
    }
  });

  // Fields marked data-show-when="name=value" show only while the select marked
  // data-controls="name" has that value. A field showing an error always stays visible.
  function updateDependentFields() {
    document.querySelectorAll("[data-show-when]").forEach(function (field) {
      var rule = field.getAttribute("data-show-when").split("=");
      var control = document.querySelector('[data-controls="' + rule[0] + '"]');
      var wrapper =
        field.tagName === "FIELDSET" ? field : field.closest(".mb-3") || field.parentElement;
      if (!control || !wrapper) {
        return;
      }
      var show = control.value === rule[1] || field.classList.contains("is-invalid");
      wrapper.hidden = !show;
    });
  }

  // A domain suggested from the company name: letters and digits, then .onmicrosoft.com.
  function updateDomainSuggestion() {
    var company = document.getElementById("id_company_name");
    var box = document.querySelector("[data-suggestion-for]");
    if (!company || !box) {
      return;
    }
    var slug = company.value.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 27);
    box.querySelector("[data-suggestion-text]").textContent = slug ? slug + ".onmicrosoft.com" : "";
    box.classList.toggle("d-none", !slug);
  }

  // A select marked data-contact-for="id" whose options carry data-contact-email: choosing
  // one fills that field with the email, unless someone typed a different one there.
  function fillContact(select) {
    var field = document.getElementById(select.getAttribute("data-contact-for"));
    if (!field) {
      return;
    }
    var option = select.options[select.selectedIndex];
    var email = option ? option.getAttribute("data-contact-email") || "" : "";
    var filled = field.getAttribute("data-filled") || "";
    if (!field.value || field.value === filled) {
      field.value = email;
      field.setAttribute("data-filled", email);
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-controls]")) {
      updateDependentFields();
    }
    if (event.target.matches("[data-contact-for]")) {
      fillContact(event.target);
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target.id === "id_company_name") {
      updateDomainSuggestion();
    }
  });

  // The error summary of a refused form (includes/error_summary.html): focused when the page
  // loads, so that the reader starts there; a link in it focuses its field and brings the
  // field's label (or a radio group's legend) into view, as a fragment link alone does not.
  function labelOf(input) {
    var fieldset = input.closest("fieldset");
    if (fieldset && (input.type === "radio" || input.type === "checkbox")) {
      var legend = fieldset.querySelector("legend");
      if (legend) {
        return legend;
      }
    }
    var label = input.id && document.querySelector('label[for="' + CSS.escape(input.id) + '"]');
    return label || input.closest("label") || input;
  }

  function focusField(link) {
    var input = document.getElementById(link.hash.slice(1));
    if (!input) {
      return false;
    }
    labelOf(input).scrollIntoView();
    input.focus({ preventScroll: true });
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (link && focusField(link)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    updateDependentFields();
    document.querySelectorAll("[data-contact-for]").forEach(function (select) {
      var field = document.getElementById(select.getAttribute("data-contact-for"));
      var option = select.options[select.selectedIndex];
      var email = option && option.getAttribute("data-contact-email");
      if (field && email && field.value === email) {
        field.setAttribute("data-filled", email); // filled in for us: a new choice replaces it
      }
    });
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });
})();

/* Symptom checker: one question at a time on checker/index.html, from the tree the build
   compiles into checker/tree.js (window.checkerTree). The answers given so far live in the
   address as their positions (#a=1.1.0), so reloads, bookmarks and the browser's back button
   work, also from file://. Without JavaScript, the page's links lead through one static page
   per question instead; this script builds the same markup with buttons. */
(function () {
  "use strict";
  var tree = window.checkerTree;
  var root = document.getElementById("checker");
  var status = document.getElementById("checker-status");
  if (!tree || !root || !status) return;
  var siteTitle = document.title;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function button(label, className, onClick) {
    var node = el("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function list(tag, className, items, fill) {
    var node = el(tag, className);
    items.forEach(function (item, i) {
      var li = el("li");
      fill(li, item, i);
      node.appendChild(li);
    });
    return node;
  }

  function link(text, href) {
    var node = el("a", "", text);
    node.href = href;
    return node;
  }

  /* The address -> {node, trail: [{id, answer}]}, following the answers through the tree and
     stopping at the first one that does not fit it; null for other anchors (the skip link). */
  function read() {
    var match = /^#a=(.*)$/.exec(location.hash);
    if (location.hash.length > 1 && !match) return null;
    var node = tree.start, trail = [];
    var picks = match && match[1] ? match[1].split(".") : [];
    for (var i = 0; i < picks.length; i++) {
      var answers = tree.nodes[node].answers;
      if (!answers || !/^\d+$/.test(picks[i]) || !answers[+picks[i]]) break;
      trail.push({id: node, answer: +picks[i]});
      node = answers[+picks[i]].next;
    }
    return {node: node, trail: trail};
  }

  function go(picks) {
    location.hash = "a=" + picks.join(".");
  }

  function question(section, view, picks) {
    section.appendChild(el("p", "checker-part", view.part));
    section.appendChild(heading(view.text));
    if (view.help) section.appendChild(el("p", "checker-help", view.help));
    section.appendChild(list("ul", "checker-answers", view.answers, function (li, answer, i) {
      li.appendChild(button(answer.label, "checker-answer", function () {
        go(picks.concat(i));
      }));
    }));
  }

  function outcome(section, view, trail, picks) {
    section.className += " checker-outcome urgency-" + view.urgency;
    section.appendChild(el("p", "checker-badge", view.badge));
    section.appendChild(heading(view.title));
    if (view.call) {
      var call = el("p", "checker-call", view.call.href ? "" : view.call.text);
      if (view.call.href) call.appendChild(link(view.call.text, view.call.href));
      section.appendChild(call);
    }
    section.appendChild(list("ul", "checker-advice", view.advice, function (li, text) {
      li.textContent = text;
    }));
    section.appendChild(el("h3", "", "Your answers"));
    section.appendChild(list("ol", "checker-summary", trail, function (li, step, i) {
      var asked = tree.nodes[step.id];
      li.appendChild(document.createTextNode(asked.text + " "));
      li.appendChild(el("strong", "", asked.answers[step.answer].label));
      var change = button("Change", "checker-change", function () {
        go(picks.slice(0, i));
      });
      change.setAttribute("aria-label", "Change your answer to: " + asked.text);
      li.appendChild(change);
    }));
    section.appendChild(el("h3", "", "Read next"));
    section.appendChild(list("ul", "checker-links", view.links, function (li, item) {
      li.appendChild(link(item.title, item.href));
    }));
  }

  function heading(text) {
    var node = el("h2", "", text);
    node.id = "checker-heading";
    node.tabIndex = -1;
    return node;
  }

  function render(state, moveFocus) {
    var view = tree.nodes[state.node];
    var picks = state.trail.map(function (step) { return step.answer; });
    var section = el("section", "checker-step");
    section.setAttribute("aria-labelledby", "checker-heading");
    if (view.answers) question(section, view, picks);
    else outcome(section, view, state.trail, picks);
    if (picks.length) {
      var nav = el("p", "checker-nav");
      nav.appendChild(button("Back", "", function () { go(picks.slice(0, -1)); }));
      nav.appendChild(button("Start again", "", function () { go([]); }));
      section.appendChild(nav);
    }
    root.textContent = "";
    root.appendChild(section);
    document.title = (view.answers ? view.text : view.title) + " | " + siteTitle;
    if (moveFocus) {
      status.textContent = view.answers ? "Question " + (picks.length + 1) + "."
        : "Your result: " + view.badge + ".";
      section.querySelector("h2").focus();
    }
  }

  window.addEventListener("hashchange", function () {
    var state = read();
    if (state) render(state, true);
  });
  render(read() || {node: tree.start, trail: []}, false);
})();

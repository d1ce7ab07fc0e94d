// The live view: articles arrive as server-sent events (no polling); pause queues them, the filter
// hides what does not match, and a copy of a story already shown folds into it.
// Every value from an article goes into the page with textContent, never as HTML.
(function () {
  "use strict";
  var stream = document.getElementById("stream");
  var statusEl = document.getElementById("status");
  var pauseBtn = document.getElementById("pause");
  var filterEl = document.getElementById("filter");
  var paused = false;
  var queued = [];
  var MAX_ITEMS = 200;

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function chips(label, items, href) {
    var p = el("p", "people");
    p.appendChild(document.createTextNode(label + ": "));
    items.forEach(function (item) {
      var chip = href ? el("a", "chip", item.name) : el("span", "chip", item.name || item.label || item.code);
      if (href) { chip.href = href(item); }
      p.appendChild(chip);
      p.appendChild(document.createTextNode(" "));
    });
    return p;
  }

  function render(item) {
    var node = el("article", "item fresh");
    node.dataset.id = item.id;
    node.dataset.cluster = item.cluster_id || "";
    var h = el("h3", "headline");
    var a = el("a", null, item.headline || item.id);
    a.href = "/console/article/" + encodeURIComponent(item.id);
    h.appendChild(a);
    node.appendChild(h);
    var meta = el("p", "meta");
    meta.appendChild(el("span", "source", item.source || item.provider || "unknown source"));
    meta.appendChild(document.createTextNode(" · "));
    var time = el("time", null, item.published_at || "");
    time.setAttribute("datetime", item.published_at || "");
    meta.appendChild(time);
    if (item.language) {
      meta.appendChild(document.createTextNode(" · "));
      meta.appendChild(el("span", "lang", item.language));
    }
    var copies = el("span", "copies");
    copies.hidden = true;
    meta.appendChild(copies);
    node.appendChild(meta);
    if (item.entities && item.entities.length) { node.appendChild(chips("Entities", item.entities)); }
    if (item.speakers && item.speakers.length) {
      node.appendChild(chips("Speakers", item.speakers, function (s) {
        return "/console/speaker?name=" + encodeURIComponent(s.name);
      }));
    }
    if (item.topics && item.topics.length) {
      node.appendChild(chips("Topics", item.topics.slice(0, 3).map(function (t) {
        return { name: t.label || t.code };
      })));
    }
    return node;
  }

  function matches(node) {
    var needle = filterEl.value.trim().toLowerCase();
    return !needle || node.textContent.toLowerCase().indexOf(needle) !== -1;
  }

  function fold(item) {
    // a syndicated copy of a story on screen: count it on the story instead of a new row
    if (!item.cluster_id) { return false; }
    var nodes = stream.querySelectorAll("article.item");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.dataset.cluster === item.cluster_id && node.dataset.id !== item.id) {
        var copies = node.querySelector(".copies");
        var n = (parseInt(copies.dataset.n || "0", 10) || 0) + 1;
        copies.dataset.n = String(n);
        copies.textContent = " · +" + n + " cop" + (n === 1 ? "y" : "ies") + " (latest: " + (item.source || item.provider || "?") + ")";
        copies.hidden = false;
        return true;
      }
    }
    return false;
  }

  function show(item) {
    var empty = document.getElementById("empty");
    if (empty) { empty.remove(); }
    var old = stream.querySelector('article.item[data-id="' + CSS.escape(item.id) + '"]');
    if (old) { old.remove(); } else if (fold(item)) { return; }
    var node = render(item);
    node.hidden = !matches(node);
    stream.insertBefore(node, stream.firstChild);
    var all = stream.querySelectorAll("article.item");
    for (var i = MAX_ITEMS; i < all.length; i++) { all[i].remove(); }
  }

  function connect() {
    var source = new EventSource(stream.dataset.events);
    source.addEventListener("ready", function () { setStatus("live", "live"); });
    source.addEventListener("article", function (event) {
      var item = JSON.parse(event.data);
      if (paused) {
        queued.push(item);
        setStatus("paused", "paused · " + queued.length + " new");
      } else {
        show(item);
      }
    });
    source.onerror = function () { setStatus("reconnecting", "reconnecting…"); };
  }

  pauseBtn.addEventListener("click", function () {
    paused = !paused;
    pauseBtn.setAttribute("aria-pressed", String(paused));
    pauseBtn.textContent = paused ? "Resume" : "Pause";
    if (!paused) {
      queued.splice(0).forEach(show);
      setStatus("live", "live");
    } else {
      setStatus("paused", "paused · 0 new");
    }
  });
  filterEl.addEventListener("input", function () {
    stream.querySelectorAll("article.item").forEach(function (node) { node.hidden = !matches(node); });
  });
  connect();
}());

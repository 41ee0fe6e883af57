/* bulletin offline search: works from file://, loads its index with <script> tags only.
 *
 * The index (built by bulletin/search/index.py) is a set of scripts that call
 * window.__bulletinSearch.add(key, data). This file loads the manifest, then for
 * each query only the shards it needs: dictionary shards to complete the word
 * being typed, postings shards for each word, pair shards for phrases, and the
 * document chunks of the results shown. Content is only ever put in the page as
 * text nodes (never innerHTML), highlighted words in <mark>.
 *
 * Folding must equal bulletin/search/fold.py: tokens are runs of \p{L}\p{N};
 * variant = lowercase NFC; term = variant, NFD, without \p{Mn}, đ → d, numbers without leading zeros.
 */
(function () {
  "use strict";

  var TOKEN = /[\p{L}\p{N}]+/gu;
  var MARKS = /\p{Mn}/gu;
  var LAST_IS_TOKEN = /[\p{L}\p{N}]$/u;

  function variant(token) {
    return token.toLowerCase().normalize("NFC");
  }
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(MARKS, "").replace(/đ/g, "d");
  }
  function term(token) {
    var folded = fold(token);
    return /^[0-9]+$/.test(folded) ? folded.replace(/^0+/, "") || "0" : folded;
  }
  function tokens(text) {
    return text.normalize("NFC").match(TOKEN) || [];
  }

  // ---- loading ---------------------------------------------------------------
  var current = document.currentScript;
  var base = current ? current.src.slice(0, current.src.lastIndexOf("/") + 1) : "";
  var store = Object.create(null);
  var pending = Object.create(null);
  var api = {
    add: function (key, data) { store[key] = data; },
    loaded: [],
    // exposed for tests and the benchmark
    fold: fold, variant: variant, tokens: tokens, term: term
  };
  window.__bulletinSearch = api;

  function load(key) {
    if (key in store) return Promise.resolve(store[key]);
    if (pending[key]) return pending[key];
    pending[key] = new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = base + key + ".js";
      el.async = true;
      el.onload = function () {
        el.remove();
        if (key in store) { api.loaded.push(key); resolve(store[key]); }
        else { delete pending[key]; reject(new Error("index file without data: " + key)); }
      };
      el.onerror = function () {
        el.remove();
        delete pending[key];
        reject(new Error("index file missing: " + key));
      };
      document.head.appendChild(el);
    });
    return pending[key];
  }
  function loadAll(keys) {
    return Promise.all(keys.map(load));
  }

  // ---- postings ----------------------------------------------------------------
  var DIGIT = new Int8Array(128).fill(-1);
  var END = "0123456789ABCDEFGHIJKLMNOPQRSTUV", MORE = "WXYZabcdefghijklmnopqrstuvwxyz-_";
  for (var d = 0; d < 32; d++) { DIGIT[END.charCodeAt(d)] = d; DIGIT[MORE.charCodeAt(d)] = 32 + d; }

  function decode(text) {
    var out = new Int32Array(text.length), n = 0, value = 0, prev = -1;
    for (var i = 0; i < text.length; i++) {
      var c = DIGIT[text.charCodeAt(i)];
      if (c >= 32) { value = value * 32 + (c - 32); }
      else { prev = prev + 1 + value * 32 + c; out[n++] = prev; value = 0; }
    }
    return out.subarray(0, n);
  }
  // A row is [variant?, itemHead, itemBody, decisionHead, decisionBody]; decoded lists are kept on it.
  function lists(row, offset) {
    if (!row.decoded) {
      row.decoded = [];
      for (var k = 0; k < 4; k++) row.decoded.push(decode(row[offset + k] || ""));
    }
    return row.decoded;
  }
  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function shardIndex(shards, key) {
    var lo = 0, hi = shards.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (shards[mid][0] <= key) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  function shardSpan(shards, prefix, max) {
    if (!shards.length) return [];
    var first = shardIndex(shards, prefix), last = shardIndex(shards, prefix + "\uffff");
    var out = [];
    for (var i = first; i <= last && out.length < max; i++) out.push(shards[i]);
    return out;
  }

  // ---- queries -------------------------------------------------------------------
  var MAX_SLOTS = 10, MAX_COMPLETIONS = 12, COMPLETION_BUDGET = 400000;

  /* "nong thon moi", "2610/QĐ-UBND", "\"nông thôn mới\" 2020" → slots (one per word) and
   * the pairs of neighbouring words: a pair inside quotes or inside one unspaced chunk
   * ("2610/QĐ-UBND") must be adjacent in the text; other pairs only rank higher. */
  function parse(query) {
    query = query.normalize("NFC");
    var slots = [], groups = [], re = /"([^"]*)("?)|[^\s"]+/g, m;
    while ((m = re.exec(query)) && slots.length < MAX_SLOTS) {
      var quoted = m[1] !== undefined;
      var words = tokens(quoted ? m[1] : m[0]);
      if (!words.length) continue;
      var group = { phrase: quoted || words.length > 1, quoted: quoted, slots: [] };
      for (var i = 0; i < words.length && slots.length < MAX_SLOTS; i++) {
        var slot = { raw: variant(words[i]), term: term(words[i]), prefix: false, group: group };
        slot.marked = slot.raw !== slot.term;  // typed with diacritics: exact spelling ranks first
        slots.push(slot);
        group.slots.push(slot);
      }
      groups.push(group);
    }
    if (slots.length && LAST_IS_TOKEN.test(query)) slots[slots.length - 1].prefix = true;
    var pairs = [];
    for (var j = 1; j < slots.length; j++) {
      var a = slots[j - 1], b = slots[j];
      pairs.push({ a: a, b: b, required: a.group === b.group && a.group.phrase });
    }
    return { text: query, slots: slots, pairs: pairs, groups: groups };
  }

  function Engine(manifest) {
    this.m = manifest;
    this.nItems = manifest.items;
    this.nDecisions = manifest.decisions;
  }

  // The terms a slot matches, each with its postings rows: [{term, rows}].
  Engine.prototype.slotTerms = function (slot) {
    var m = this.m, self = this;
    if (!m.u.length) return Promise.resolve([]);
    if (!slot.prefix) {
      var shard = m.u[shardIndex(m.u, slot.term)];
      return load(shard[1]).then(function (data) {
        return has(data, slot.term) ? [{ term: slot.term, rows: data[slot.term] }] : [];
      });
    }
    load(m.u[shardIndex(m.u, slot.term)][1]).catch(function () {});  // likely needed: fetch it meanwhile
    return loadAll(shardSpan(m.t, slot.term, 6).map(function (s) { return s[1]; })).then(function (dicts) {
      var found = [];
      dicts.forEach(function (dict) {
        for (var key in dict) if (has(dict, key) && key.startsWith(slot.term)) found.push([key, dict[key]]);
      });
      found.sort(function (x, y) { return (x[0] === slot.term ? -1 : 0) - (y[0] === slot.term ? -1 : 0) || y[1] - x[1]; });
      var chosen = [], shards = Object.create(null), budget = 0;
      for (var i = 0; i < found.length && chosen.length < MAX_COMPLETIONS; i++) {
        var s = m.u[shardIndex(m.u, found[i][0])];
        if (!shards[s[1]]) {
          if (chosen.length && budget + s[2] > COMPLETION_BUDGET) continue;
          shards[s[1]] = true;
          budget += s[2];
        }
        chosen.push(found[i][0]);
      }
      return loadAll(Object.keys(shards)).then(function () {
        return chosen.map(function (key) {
          var data = store[m.u[shardIndex(m.u, key)][1]];
          return { term: key, rows: has(data, key) ? data[key] : [] };
        });
      });
    });
  };

  // Best score of each document for one slot: heading 4, body 1; +2 for the exact spelling;
  // halved for a longer word that merely starts with what is being typed.
  Engine.prototype.scoreSlot = function (slot, entries) {
    var items = new Float32Array(this.nItems), decisions = new Float32Array(this.nDecisions);
    var itemIds = [], decisionIds = [];
    entries.forEach(function (entry) {
      var whole = entry.term === slot.term ? 1 : 0.5;
      entry.rows.forEach(function (row) {
        var v = row[0];
        var exact = slot.marked && (slot.prefix ? v.startsWith(slot.raw) : v === slot.raw);
        var ls = lists(row, 1);
        for (var k = 0; k < 4; k++) {
          var score = ((k % 2 === 0 ? 4 : 1) + (exact ? 2 : 0)) * whole;
          var target = k < 2 ? items : decisions, seen = k < 2 ? itemIds : decisionIds, ids = ls[k];
          for (var i = 0; i < ids.length; i++) {
            var id = ids[i], old = target[id];
            if (!old) seen.push(id);
            if (old < score) target[id] = score;
          }
        }
      });
    });
    return { items: items, itemIds: itemIds, decisions: decisions, decisionIds: decisionIds };
  };

  // For a pair of neighbouring words: 2 where the pair is in a heading or label, 1 in a body.
  Engine.prototype.pairFlags = function (pair) {
    var m = this.m, self = this, key = pair.a.term + " " + pair.b.term;
    var shards = pair.b.prefix || !m.b.length ? shardSpan(m.b, key, 4) : [m.b[shardIndex(m.b, key)]];
    return loadAll(shards.map(function (s) { return s[1]; })).then(function (datas) {
      var items = new Uint8Array(self.nItems), decisions = new Uint8Array(self.nDecisions);
      datas.forEach(function (data) {
        var keys = pair.b.prefix ? Object.keys(data).filter(function (k) { return k.startsWith(key); })
          : (has(data, key) ? [key] : []);
        keys.forEach(function (k) {
          var ls = lists(data[k], 0);
          for (var kind = 0; kind < 4; kind++) {
            var target = kind < 2 ? items : decisions, flag = kind % 2 === 0 ? 2 : 1, ids = ls[kind];
            for (var i = 0; i < ids.length; i++) if (target[ids[i]] < flag) target[ids[i]] = flag;
          }
        });
      });
      return { items: items, decisions: decisions };
    });
  };

  // filters: {topic: index|null, type: index|null, year: number|null} → {items: test, decisions: test}
  Engine.prototype.filterTests = function (filters) {
    var m = this.m, keys = [];
    if (filters.topic != null) keys.push("f/t" + filters.topic);
    if (filters.type != null) keys.push("f/k" + filters.type);
    var self = this;
    return loadAll(keys).then(function (facets) {
      var itemSets = [], decisionSets = [];
      facets.forEach(function (facet) {
        var a = new Uint8Array(self.nItems), b = new Uint8Array(self.nDecisions);
        decode(facet.i).forEach(function (id) { a[id] = 1; });
        decode(facet.x).forEach(function (id) { b[id] = 1; });
        itemSets.push(a);
        decisionSets.push(b);
      });
      var itemRanges = null, decisionRanges = null;
      if (filters.year != null) {
        itemRanges = [];
        decisionRanges = [];
        m.years.forEach(function (y) {
          if (y[0] === filters.year) { itemRanges = y[1]; decisionRanges = y[2]; }
        });
      }
      function test(sets, ranges) {
        return function (id) {
          for (var i = 0; i < sets.length; i++) if (!sets[i][id]) return false;
          if (ranges) {
            for (var r = 0; r < ranges.length; r++) if (id >= ranges[r][0] && id < ranges[r][1]) return true;
            return false;
          }
          return true;
        };
      }
      return { items: test(itemSets, itemRanges), decisions: test(decisionSets, decisionRanges),
               active: keys.length > 0 || itemRanges !== null };
    });
  };

  function rank(scored) {
    // scored: [[id, score]] → ids, best score first, newer (higher id) first among equals.
    // Scores take few values: bucket by score, then sort each bucket's ids numerically.
    var buckets = new Map();
    for (var i = 0; i < scored.length; i++) {
      var list = buckets.get(scored[i][1]);
      if (!list) buckets.set(scored[i][1], list = []);
      list.push(scored[i][0]);
    }
    var out = [];
    Array.from(buckets.keys()).sort(function (a, b) { return b - a; }).forEach(function (score) {
      var ids = Int32Array.from(buckets.get(score)).sort();
      for (var j = ids.length - 1; j >= 0; j--) out.push(ids[j]);
    });
    return out;
  }

  Engine.prototype.combine = function (q, perSlot, pairs, tests, kind, relax) {
    var scoresKey = kind === "i" ? "items" : "decisions", idsKey = kind === "i" ? "itemIds" : "decisionIds";
    var test = kind === "i" ? tests.items : tests.decisions;
    var n = kind === "i" ? this.nItems : this.nDecisions;
    var scored = [], relaxed = false;
    if (!perSlot.length) {
      if (!tests.active) return { ids: [], relaxed: false };
      for (var id = n - 1; id >= 0; id--) if (test(id)) scored.push(id);
      return { ids: scored, relaxed: false };
    }
    var order = perSlot.slice().sort(function (a, b) { return a[idsKey].length - b[idsKey].length; });
    var first = order[0][idsKey];
    for (var i = 0; i < first.length; i++) {
      var doc = first[i], total = 0, ok = true;
      for (var s = 0; s < order.length && ok; s++) {
        var v = order[s][scoresKey][doc];
        if (!v) ok = false; else total += v;
      }
      for (var p = 0; p < pairs.length && ok; p++) {
        var flag = pairs[p].flags[scoresKey][doc];
        if (pairs[p].required && !flag) ok = false;
        else if (flag) total += flag === 2 ? 3 : 2;
      }
      if (ok && test(doc)) scored.push([doc, total]);
    }
    if (relax && !scored.length && q.groups.length > 1) {
      // Nothing has every word: rank what has most of the query's groups (a word, a quoted
      // phrase or a code like 2610/QĐ-UBND), each group whole.
      relaxed = true;
      var groups = q.groups.map(function (g) {
        return {
          slots: g.slots.map(function (slot) { return perSlot[q.slots.indexOf(slot)]; }),
          pairs: pairs.filter(function (pair) { return pair.required && pair.a.group === g; })
        };
      });
      var seen = new Uint8Array(n);
      perSlot.forEach(function (slotScores) {
        var ids = slotScores[idsKey];
        for (var j = 0; j < ids.length; j++) {
          var d = ids[j];
          if (seen[d]) continue;
          seen[d] = 1;
          var whole = 0, sum = 0;
          groups.forEach(function (g) {
            var score = 0;
            for (var a = 0; a < g.slots.length; a++) {
              var v = g.slots[a][scoresKey][d];
              if (!v) return;
              score += v;
            }
            for (var b = 0; b < g.pairs.length; b++) if (!g.pairs[b].flags[scoresKey][d]) return;
            whole++;
            sum += score;
          });
          if (whole && test(d)) scored.push([d, whole * 100 + sum]);
        }
      });
    }
    return { ids: rank(scored), relaxed: relaxed };
  };

  Engine.prototype.search = function (q, filters) {
    var self = this;
    var slotWork = q.slots.map(function (slot) {
      return self.slotTerms(slot).then(function (entries) { return self.scoreSlot(slot, entries); });
    });
    var pairWork = q.pairs.map(function (pair) {
      return self.pairFlags(pair).then(function (flags) { pair.flags = flags; return pair; });
    });
    return Promise.all([Promise.all(slotWork), Promise.all(pairWork), this.filterTests(filters)])
      .then(function (done) {
        var perSlot = done[0], pairs = done[1], tests = done[2];
        var items = self.combine(q, perSlot, pairs, tests, "i", false);
        var decisions = self.combine(q, perSlot, pairs, tests, "x", false);
        if (!items.ids.length && !decisions.ids.length) {
          items = self.combine(q, perSlot, pairs, tests, "i", true);
          decisions = self.combine(q, perSlot, pairs, tests, "x", true);
        }
        return { items: items.ids, decisions: decisions.ids, relaxed: items.relaxed };
      });
  };

  Engine.prototype.topics = function (q) {
    if (!q.slots.length) return [];
    var out = [];
    this.m.topics.forEach(function (topic, index) {
      var words = tokens(topic[0]).map(term);
      var all = q.slots.every(function (slot) {
        return words.some(function (w) { return slot.prefix ? w.startsWith(slot.term) : w === slot.term; });
      });
      if (all) out.push(index);
    });
    return out;
  };

  // ---- text: highlighting and snippets ---------------------------------------------
  function matcher(q) {
    return function (t) {
      for (var i = 0; i < q.slots.length; i++) {
        var s = q.slots[i];
        if (s.prefix ? t.startsWith(s.term) : t === s.term) return i;
      }
      return -1;
    };
  }
  function matches(text, match) {
    var out = [], re = new RegExp(TOKEN.source, "gu"), m;
    while ((m = re.exec(text))) {
      var slot = match(term(m[0]));
      if (slot >= 0) out.push([m.index, m.index + m[0].length, slot]);
    }
    return out;
  }
  function phraseIn(text, group) {
    var terms = tokens(text).map(term), want = group.slots;
    outer: for (var i = 0; i + want.length <= terms.length; i++) {
      for (var j = 0; j < want.length; j++) {
        var t = terms[i + j], s = want[j];
        if (s.prefix ? !t.startsWith(s.term) : t !== s.term) continue outer;
      }
      return true;
    }
    return false;
  }
  // Append `text` (from `start` to `end`) to `el`, with the matched ranges in <mark>.
  function appendMarked(el, text, ranges, start, end) {
    var at = start;
    ranges.forEach(function (r) {
      if (r[1] <= start || r[0] >= end) return;
      var a = Math.max(r[0], start), b = Math.min(r[1], end);
      if (a > at) el.appendChild(document.createTextNode(text.slice(at, a)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(a, b);
      el.appendChild(mark);
      at = b;
    });
    if (at < end) el.appendChild(document.createTextNode(text.slice(at, end)));
  }
  var SNIPPET = 240;
  function snippet(el, text, ranges) {
    var start = 0;
    if (ranges.length) {
      var best = -1, bestAt = 0;
      for (var i = 0; i < ranges.length; i++) {
        var seen = Object.create(null), count = 0;
        for (var j = i; j < ranges.length && ranges[j][1] - ranges[i][0] <= SNIPPET - 60; j++) {
          if (!seen[ranges[j][2]]) { seen[ranges[j][2]] = true; count++; }
        }
        if (count > best) { best = count; bestAt = ranges[i][0]; }
      }
      start = Math.max(0, bestAt - 60);
      if (start > 0) {
        var space = text.indexOf(" ", start);
        start = space >= 0 && space < bestAt ? space + 1 : start;
      }
    }
    var end = Math.min(text.length, start + SNIPPET);
    if (end < text.length) {
      var cut = text.lastIndexOf(" ", end);
      if (cut > start + SNIPPET / 2) end = cut;
    }
    if (start > 0) el.appendChild(document.createTextNode("… "));
    appendMarked(el, text, ranges, start, end);
    if (end < text.length) el.appendChild(document.createTextNode(" …"));
  }

  // ---- the page ----------------------------------------------------------------------
  var PAGE = 10, PAGE_MORE = 20, DECISION_PAGE = 5;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return has(values, name) ? String(values[name]) : all; });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function Page(engine, strings) {
    this.engine = engine;
    this.s = strings;
    this.form = document.getElementById("search-form");
    this.input = document.getElementById("search-q");
    this.status = document.getElementById("search-status");
    this.results = document.getElementById("search-results");
    this.filters = { topic: null, type: null, year: null };
    this.sequence = 0;
    this.busy = false;
    this.queued = false;
    this.root = "../";
  }

  Page.prototype.start = function () {
    var self = this, params = new URLSearchParams(window.location.search);
    var fallback = document.getElementById("search-fallback");
    if (fallback) fallback.hidden = true;
    var header = document.querySelector(".site-search");
    if (header) header.hidden = true;  // this page has its own field
    this.buildFilters(params);
    this.input.value = params.get("q") || "";
    this.input.addEventListener("input", function () { self.schedule(); });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.run(true);
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = self.results.querySelector("a.sr-link");
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Escape" && self.input.value) {
        event.preventDefault();
        self.input.value = "";
        self.run(true);
      }
    });
    this.results.addEventListener("keydown", function (event) { self.arrows(event); });
    this.results.hidden = false;
    this.run(false);
  };

  Page.prototype.arrows = function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp" && event.key !== "Escape") return;
    var links = Array.prototype.slice.call(this.results.querySelectorAll("a.sr-link"));
    var at = links.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    if (event.key === "Escape") { this.input.focus(); return; }
    var next = at + (event.key === "ArrowDown" ? 1 : -1);
    if (next < 0) this.input.focus();
    else if (next < links.length) links[next].focus();
  };

  Page.prototype.buildFilters = function (params) {
    var self = this, m = this.engine.m, box = document.getElementById("search-filters");
    if (!box) return;
    function select(name, label, all, options, chosen) {
      var wrap = el("div", "search-filter"), id = "search-filter-" + name;
      var lab = el("label", null, label);
      lab.htmlFor = id;
      var sel = el("select");
      sel.id = id;
      sel.name = name;
      sel.appendChild(new Option(all, ""));
      options.forEach(function (o) {
        var opt = new Option(o[1], o[0]);
        if (o[0] === chosen) opt.selected = true;
        sel.appendChild(opt);
      });
      sel.addEventListener("change", function () { self.readFilters(); self.run(true); });
      wrap.appendChild(lab);
      wrap.appendChild(sel);
      box.appendChild(wrap);
      return sel;
    }
    this.topicSelect = select("topic", this.s.filter_topic, this.s.all_topics,
      m.topics.map(function (t) { return [t[3], t[0]]; }), params.get("topic"));
    this.yearSelect = select("year", this.s.filter_year, this.s.all_years,
      m.years.map(function (y) { return [String(y[0]), String(y[0])]; }), params.get("year"));
    this.typeSelect = select("type", this.s.filter_type, this.s.all_types,
      m.types.map(function (t) { return [t[0], t[1] + " (" + t[0] + ")"]; }), params.get("type"));
    box.hidden = false;
    this.readFilters();
  };

  Page.prototype.readFilters = function () {
    var m = this.engine.m;
    var topic = this.topicSelect ? this.topicSelect.value : "";
    var type = this.typeSelect ? this.typeSelect.value : "";
    var year = this.yearSelect ? this.yearSelect.value : "";
    this.filters = { topic: null, type: null, year: null };
    var self = this;
    m.topics.forEach(function (t, i) { if (topic && t[3] === topic) self.filters.topic = i; });
    m.types.forEach(function (t, i) { if (type && t[0] === type) self.filters.type = i; });
    if (year) this.filters.year = parseInt(year, 10);
  };

  // Results follow the typing: a search starts at once when none is running; keys pressed
  // during one are coalesced into a single search for the latest text when it ends.
  Page.prototype.schedule = function () {
    if (this.busy) { this.queued = true; return; }
    this.run(true);
  };
  Page.prototype.idle = function () {
    this.busy = false;
    if (this.queued) { this.queued = false; this.run(true); }
  };

  Page.prototype.updateUrl = function (text) {
    var params = new URLSearchParams();
    if (text) params.set("q", text);
    if (this.topicSelect && this.topicSelect.value) params.set("topic", this.topicSelect.value);
    if (this.yearSelect && this.yearSelect.value) params.set("year", this.yearSelect.value);
    if (this.typeSelect && this.typeSelect.value) params.set("type", this.typeSelect.value);
    var search = params.toString();
    try {
      window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
    } catch (e) { /* some browsers refuse history changes on file:// */ }
  };

  Page.prototype.run = function (updateUrl) {
    var self = this, text = this.input.value, sequence = ++this.sequence;
    this.queued = false;
    var started = performance.now();
    if (updateUrl) this.updateUrl(text.trim());
    var q = parse(text);
    var filtered = this.filters.topic != null || this.filters.type != null || this.filters.year != null;
    if (!q.slots.length && !filtered) {
      this.results.replaceChildren();
      this.status.textContent = text.trim() ? format(this.s.none, { q: text.trim() }) : "";
      api.last = { query: text, ms: performance.now() - started, items: 0, decisions: 0 };
      return Promise.resolve();
    }
    this.busy = true;
    this.results.setAttribute("aria-busy", "true");
    return this.engine.search(q, this.filters).then(function (found) {
      if (sequence !== self.sequence) return null;
      found.topics = filtered ? [] : self.engine.topics(q);
      var searched = performance.now();
      return self.render(q, found, sequence).then(function () {
        if (sequence !== self.sequence) return;
        var now = performance.now();
        api.last = { query: text, ms: now - started, searchMs: searched - started, renderMs: now - searched,
                     items: found.items.length, decisions: found.decisions.length, topics: found.topics.length };
      });
    }).catch(function (error) {
      if (sequence !== self.sequence) return;
      self.results.replaceChildren();
      self.status.textContent = self.s.error;
      if (window.console) console.error(error);
    }).then(function () {
      if (sequence === self.sequence) self.results.removeAttribute("aria-busy");
      self.idle();
    });
  };

  Page.prototype.render = function (q, found, sequence) {
    var self = this, s = this.s, m = this.engine.m;
    var frag = document.createDocumentFragment();
    var total = found.items.length + found.decisions.length + found.topics.length;
    var shown = q.text.trim();
    var itemList = null, decisionList = null;
    this.q = q;
    this.found = found;

    if (found.topics.length) {
      var sec = this.section(frag, s.topics, found.topics.length);
      var ul = el("ul", "sr-topics");
      found.topics.forEach(function (index) {
        var topic = m.topics[index], li = el("li"), a = el("a", "sr-link tag");
        a.href = self.root + topic[1];
        appendMarked(a, topic[0], matches(topic[0], matcher(q)), 0, topic[0].length);
        li.appendChild(a);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "count", format(s.items_count, { n: topic[2] })));
        ul.appendChild(li);
      });
      sec.appendChild(ul);
    }
    if (found.decisions.length) {
      decisionList = el("ol", "sr-decisions");
      this.section(frag, s.decisions, found.decisions.length).appendChild(decisionList);
    }
    if (found.items.length) {
      itemList = el("ol", "sr-items");
      this.section(frag, s.items, found.items.length).appendChild(itemList);
    }
    this.itemState = { list: itemList, next: 0 };
    this.decisionState = { list: decisionList, next: 0 };
    var status = total ? format(s.count, { n: total, q: shown }) : format(s.none, { q: shown });
    if (found.relaxed && total) status = format(s.relaxed, { n: total, q: shown });
    return Promise.all([
      this.moreItems(PAGE, sequence),
      this.moreDecisions(DECISION_PAGE, sequence)
    ]).then(function () {
      if (sequence !== self.sequence) return;
      self.results.replaceChildren(frag);
      if (!shown) status = format(s.count_filtered, { n: total });
      self.status.textContent = status;
    });
  };

  Page.prototype.section = function (parent, title, count) {
    var sec = el("section", "sr-section");
    var h = el("h2", null, title + " ");
    h.appendChild(el("span", "count", "(" + count + ")"));
    sec.appendChild(h);
    parent.appendChild(sec);
    return sec;
  };

  Page.prototype.moreButton = function (list, label, onClick) {
    var li = el("li", "sr-more"), button = el("button", null, label);
    button.type = "button";
    button.addEventListener("click", onClick);
    li.appendChild(button);
    list.appendChild(li);
  };

  // Show up to `count` more items: load their chunks, drop quoted phrases that do not really
  // occur (pairs cannot tell "a b c" from "a b … b c"), and render them.
  Page.prototype.moreItems = function (count, sequence) {
    var self = this, st = this.itemState, ids = this.found.items, q = this.q, m = this.engine.m;
    if (!st.list) return Promise.resolve();
    var quoted = q.groups.filter(function (g) { return g.quoted && g.slots.length > 2; });
    var batch = ids.slice(st.next, st.next + count);
    var chunks = {};
    batch.forEach(function (id) { chunks["i/" + Math.floor(id / m.ic)] = true; });
    return loadAll(Object.keys(chunks)).then(function () {
      if (sequence !== self.sequence) return;
      var old = st.list.querySelector(".sr-more");
      if (old) old.remove();
      var firstNew = null;
      batch.forEach(function (id) {
        var chunk = store["i/" + Math.floor(id / m.ic)], row = chunk.r[id % m.ic], digest = chunk.d[row[0]];
        if (quoted.length && !quoted.every(function (g) { return phraseIn(row[1] + "\n" + row[4], g); })) return;
        var li = self.itemResult(q, row, digest);
        st.list.appendChild(li);
        if (!firstNew) firstNew = li;
      });
      st.next += batch.length;
      if (st.next < ids.length) {
        self.moreButton(st.list, format(self.s.more, { n: ids.length - st.next }), function () {
          self.moreItems(PAGE_MORE, self.sequence).then(function (li) { if (li) li.querySelector("a").focus(); });
        });
      }
      return firstNew;
    });
  };

  /** A topic's manifest row by its slug (item rows name their topics by slug, so adding a
   *  topic leaves every chunk of items alone). */
  Page.prototype.topicBySlug = function (slug) {
    if (!this.topicsBySlug) {
      var bySlug = this.topicsBySlug = {};
      this.engine.m.topics.forEach(function (t) { bySlug[t[3]] = t; });
    }
    return this.topicsBySlug[slug];
  };

  Page.prototype.itemResult = function (q, row, digest) {
    var match = matcher(q), li = el("li", "sr-item");
    var h = el("h3", "sr-title"), a = el("a", "sr-link");
    a.href = this.root + digest[0] + "#" + row[2];
    appendMarked(a, row[1], matches(row[1], match), 0, row[1].length);
    h.appendChild(a);
    li.appendChild(h);
    var meta = el("p", "meta sr-meta");
    var week = el("a", null, digest[1]);
    week.href = this.root + digest[0];
    meta.appendChild(week);
    meta.appendChild(document.createTextNode(" · " + digest[2]));
    li.appendChild(meta);
    if (row[3].length) {
      var tags = el("ul", "tags");
      var self = this;
      row[3].forEach(function (slug) {
        var topic = self.topicBySlug(slug), tli = el("li"), ta = el("a", "tag", topic[0]);
        ta.href = self.root + topic[1];
        tli.appendChild(ta);
        tags.appendChild(tli);
      });
      li.appendChild(tags);
    }
    var p = el("p", "snippet sr-snippet");
    snippet(p, row[4], matches(row[4], match));
    li.appendChild(p);
    return li;
  };

  Page.prototype.moreDecisions = function (count, sequence) {
    var self = this, st = this.decisionState, ids = this.found.decisions, m = this.engine.m, q = this.q;
    if (!st.list) return Promise.resolve();
    var batch = ids.slice(st.next, st.next + count), chunks = {};
    batch.forEach(function (id) { chunks["x/" + Math.floor(id / m.xc)] = true; });
    return loadAll(Object.keys(chunks)).then(function () {
      if (sequence !== self.sequence) return;
      var old = st.list.querySelector(".sr-more");
      if (old) old.remove();
      var firstNew = null, match = matcher(q);
      batch.forEach(function (id) {
        var row = store["x/" + Math.floor(id / m.xc)].r[id % m.xc];
        var li = el("li", "sr-decision"), a = el("a", "sr-link");
        a.href = self.root + row[4];
        var label = el("strong");
        appendMarked(label, row[0], matches(row[0], match), 0, row[0].length);
        a.appendChild(label);
        li.appendChild(a);
        var about = row[1] + (row[2] ? " · " + row[2] : " · " + row[6]) + " · " + format(self.s.mentions, { n: row[5] });
        li.appendChild(el("span", "meta", " " + about));
        if (row[3]) {
          var title = el("p", "sr-snippet");
          appendMarked(title, row[3], matches(row[3], match), 0, row[3].length);
          li.appendChild(title);
        }
        st.list.appendChild(li);
        if (!firstNew) firstNew = li;
      });
      st.next += batch.length;
      if (st.next < ids.length) {
        self.moreButton(st.list, format(self.s.more, { n: ids.length - st.next }), function () {
          self.moreDecisions(PAGE_MORE, self.sequence).then(function (li) { if (li) li.querySelector("a").focus(); });
        });
      }
      return firstNew;
    });
  };

  api.parse = parse;
  api.load = load;

  function boot() {
    var form = document.getElementById("search-form");
    if (!form) return;
    var stringsEl = document.getElementById("search-strings");
    var strings = JSON.parse(stringsEl ? stringsEl.textContent : "{}");
    load("manifest").then(function (manifest) {
      var engine = new Engine(manifest);
      api.engine = engine;
      var page = new Page(engine, strings);
      api.page = page;
      page.start();
      api.ready = true;
    }).catch(function (error) {
      var status = document.getElementById("search-status");
      if (status) status.textContent = strings.error || "Search index missing.";
      if (window.console) console.error(error);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

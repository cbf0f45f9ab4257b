/* search.js: the search page.  The index (search-index.js, built by
 * gen/search.c) is loaded by a <script> tag before this file, so search
 * works from file:// with no server.  The tokenizer mirrors gen/search.c:
 * Hangul as syllable bigrams (one syllable alone for a one-syllable
 * query), other words whole and lower-cased, matched as prefixes. */
(function () {
  'use strict';
  var I = window.BERTH_SEARCH;
  var input = document.getElementById('q');
  var list = document.getElementById('results');
  var status = document.getElementById('search-status');
  if (!I || !input || !list) return;

  var STOP = {};
  I.stop.forEach(function (w) { STOP[w] = true; });
  var KEYS = Object.keys(I.t).sort();
  var cache = {};

  /* Keep in step with char_class() in gen/search.c. */
  function charClass(cp) {
    if (cp >= 0xAC00 && cp <= 0xD7A3) return 1;
    if ((cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90) || (cp >= 48 && cp <= 57)) return 2;
    if (cp < 0xC0 || cp === 0xD7 || cp === 0xF7) return 0;
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || cp >= 0x1F000) return 0;
    return 2;
  }

  /* Query tokens: {t: token, h: is Hangul}; runs are the Hangul runs and
   * words as typed, for marking matches in a sentence. */
  function tokenize(text) {
    var out = [], runs = [];
    var chars = Array.from(text);
    var i = 0;
    while (i < chars.length) {
      var c = charClass(chars[i].codePointAt(0));
      if (c === 0) { i++; continue; }
      var j = i;
      while (j < chars.length && charClass(chars[j].codePointAt(0)) === c) j++;
      var run = chars.slice(i, j);
      if (c === 1) {
        if (run.length === 1) out.push({ t: run[0], h: true });
        for (var k = 0; k + 1 < run.length; k++) out.push({ t: run[k] + run[k + 1], h: true });
        runs.push(run.join(''));
      } else {
        var w = run.join('').replace(/[A-Z]/g, function (x) { return x.toLowerCase(); });
        if (new TextEncoder().encode(w).length <= 40 && !STOP[w]) { out.push({ t: w, h: false }); runs.push(w); }
      }
      i = j;
    }
    return { tokens: out, runs: runs };
  }

  function postings(key) {
    if (cache[key]) return cache[key];
    var s = I.t[key], ids = [], prev = 0;
    if (s) s.split('.').forEach(function (d) { prev += parseInt(d, 36); ids.push(prev); });
    cache[key] = ids;
    return ids;
  }

  /* The sentences one token matches: a Hangul token exactly, a word as
   * the beginning of indexed words ("layer" finds "layers"). */
  function matches(tok) {
    var set = {};
    if (tok.h) {
      postings(tok.t).forEach(function (id) { set[id] = true; });
      return set;
    }
    var lo = 0, hi = KEYS.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (KEYS[mid] < tok.t) lo = mid + 1; else hi = mid; }
    for (var i = lo; i < KEYS.length && KEYS[i].lastIndexOf(tok.t, 0) === 0; i++)
      postings(KEYS[i]).forEach(function (id) { set[id] = true; });
    return set;
  }

  var WEIGHT = [100, 10, 2, 1];
  var sentenceWords = {};

  /* Does sentence n hold the token?  Hangul as written; a word as the
   * beginning of one of its words. */
  function sentenceHas(n, text, tok) {
    if (tok.h) return text.indexOf(tok.t) >= 0;
    var words = sentenceWords[n] || (sentenceWords[n] = tokenize(text).tokens.filter(function (x) { return !x.h; }));
    for (var i = 0; i < words.length; i++) if (words[i].t.lastIndexOf(tok.t, 0) === 0) return true;
    return false;
  }

  /* Pages holding every token (the index), then in each page the
   * sentences holding every token, for ranking and for the result list. */
  function search(q) {
    var parsed = tokenize(q);
    if (!parsed.tokens.length) return { results: [], runs: [] };
    var hit = null;
    parsed.tokens.forEach(function (tok) {
      var m = matches(tok);
      if (hit === null) { hit = m; return; }
      var both = {};
      Object.keys(hit).forEach(function (id) { if (m[id]) both[id] = true; });
      hit = both;
    });
    var phrase = parsed.runs.join(' ').toLowerCase();
    var byDoc = {};
    Object.keys(hit).forEach(function (d) { byDoc[d] = { doc: +d, score: 1, sentences: [] }; });
    I.s.forEach(function (s, n) {
      var r = byDoc[s[0]];
      if (!r) return;
      for (var i = 0; i < parsed.tokens.length; i++) if (!sentenceHas(n, s[3], parsed.tokens[i])) return;
      var exact = s[3].toLowerCase().indexOf(phrase) >= 0;
      r.score += WEIGHT[s[2]] * (exact ? 2 : 1);
      r.sentences.push({ s: s, exact: exact, id: n });
    });
    var results = Object.keys(byDoc).map(function (d) { return byDoc[d]; });
    results.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    results.forEach(function (r) {
      r.sentences.sort(function (a, b) { return (b.exact - a.exact) || (a.s[2] - b.s[2]) || (a.id - b.id); });
    });
    return { results: results, runs: parsed.runs };
  }

  /* Text with every query word marked, built as nodes (no innerHTML). */
  function marked(text, runs) {
    var frag = document.createDocumentFragment();
    var lower = text.toLowerCase(), i = 0;
    while (i < text.length) {
      var best = -1, len = 0;
      runs.forEach(function (r) {
        var at = lower.indexOf(r, i);
        if (at >= 0 && (best < 0 || at < best)) { best = at; len = r.length; }
      });
      if (best < 0) break;
      frag.appendChild(document.createTextNode(text.slice(i, best)));
      var m = document.createElement('mark');
      m.textContent = text.slice(best, best + len);
      frag.appendChild(m);
      i = best + len;
    }
    frag.appendChild(document.createTextNode(text.slice(i)));
    return frag;
  }

  function render(q) {
    list.textContent = '';
    var out = q.trim() ? search(q) : { results: [] };
    var results = out.results || [];
    var T = document.body.dataset;
    status.textContent = !q.trim() ? '' : results.length ? (T.tResults || 'Results') + ': ' + results.length
      : (T.tNoResults || 'Nothing found.');
    results.slice(0, 30).forEach(function (r) {
      var doc = I.docs[r.doc];
      var li = document.createElement('li');
      li.className = 'result';
      var h = document.createElement('h2');
      var a = document.createElement('a');
      a.href = doc[0];
      a.textContent = doc[1];
      h.appendChild(a);
      li.appendChild(h);
      r.sentences.slice(0, 3).forEach(function (x) {
        var anchor = doc[2][x.s[1]];
        var p = document.createElement('p');
        p.className = x.s[2] === 3 ? 'hit code-hit' : 'hit';
        var link = document.createElement('a');
        link.href = doc[0] + (anchor ? '#' + anchor : '');
        link.appendChild(marked(x.s[3], out.runs));
        p.appendChild(link);
        li.appendChild(p);
      });
      list.appendChild(li);
    });
  }

  var params = new URLSearchParams(location.search);
  var q0 = params.get('q') || '';
  input.value = q0;
  render(q0);
  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      render(input.value);
      try { history.replaceState(null, '', '?q=' + encodeURIComponent(input.value)); } catch (e) { /* file:// may refuse */ }
    }, 80);
  });
  window.berthSearch = function (q) { return search(q); };
})();

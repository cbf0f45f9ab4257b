/* site.js: the little the course site does in the browser.  Every page
 * works without it; this adds the theme toggle, copy buttons, hints that
 * open one at a time, "lesson done" marks and the phone menu.  No modules
 * and no fetch: pages are opened from file:// as often as from a server. */
(function () {
  'use strict';
  var root = document.documentElement;
  var body = document.body;

  function store(key, value) {
    try {
      if (value === undefined) return localStorage.getItem(key);
      if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value);
    } catch (e) { /* storage off (private mode): the page still works */ }
    return null;
  }

  store('berth-lang', root.lang);

  /* Theme: follow the system until the learner picks one; remember it. */
  var toggle = document.querySelector('.theme-toggle');
  function dark() {
    var t = root.getAttribute('data-theme');
    if (t) return t === 'dark';
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  }
  function showTheme() {
    if (toggle) toggle.setAttribute('aria-pressed', dark() ? 'true' : 'false');
  }
  if (toggle) {
    toggle.hidden = false;
    showTheme();
    toggle.addEventListener('click', function () {
      var next = dark() ? 'light' : 'dark';
      root.setAttribute('data-theme', next);
      store('berth-theme', next);
      showTheme();
    });
    if (window.matchMedia) {
      var mq = window.matchMedia('(prefers-color-scheme: dark)');
      if (mq.addEventListener) mq.addEventListener('change', showTheme);
    }
  }

  /* Phone menu: the sidebar folds behind a button. */
  var navButton = document.querySelector('.nav-toggle');
  var sidebar = document.getElementById('sidebar');
  if (navButton && sidebar && sidebar.children.length) {
    navButton.hidden = false;
    body.classList.add('js-nav');
    navButton.addEventListener('click', function () {
      var open = !body.classList.contains('nav-open');
      body.classList.toggle('nav-open', open);
      navButton.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }

  /* Copy buttons.  A console block copies only its commands (the build
   * put them in data-copy); others copy their text.  window.berthLastCopy
   * and a "berth:copied" event let tests see what was copied. */
  var T = body.dataset;
  function copied(button, text) {
    window.berthLastCopy = text;
    button.textContent = T.tCopied || 'Copied';
    button.classList.add('copied');
    document.dispatchEvent(new CustomEvent('berth:copied', { detail: text }));
    setTimeout(function () { button.textContent = T.tCopy || 'Copy'; button.classList.remove('copied'); }, 1600);
  }
  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    body.appendChild(ta);
    ta.select();
    try { document.execCommand('copy'); } catch (e) { /* nothing more to try */ }
    body.removeChild(ta);
  }
  Array.prototype.forEach.call(document.querySelectorAll('.code'), function (block) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'copy';
    b.textContent = T.tCopy || 'Copy';
    b.addEventListener('click', function () {
      var pre = block.querySelector('pre');
      var text = block.hasAttribute('data-copy') ? block.getAttribute('data-copy') : pre.textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(b, text); },
          function () { fallbackCopy(text); copied(b, text); });
      } else {
        fallbackCopy(text);
        copied(b, text);
      }
    });
    block.appendChild(b);
  });

  /* Hints: one at a time.  Without this script every hint is a closed
   * <details>; with it, hint n+1 appears once hint n has been opened. */
  Array.prototype.forEach.call(document.querySelectorAll('.hints'), function (box) {
    var hints = box.querySelectorAll('details.hint');
    for (var i = 1; i < hints.length; i++) hints[i].hidden = true;
    Array.prototype.forEach.call(hints, function (h, i) {
      h.addEventListener('toggle', function () {
        if (h.open && hints[i + 1]) hints[i + 1].hidden = false;
      });
    });
  });

  /* Progress: lessons marked done, remembered in localStorage. */
  function doneSet() {
    try { return JSON.parse(store('berth-done') || '[]'); } catch (e) { return []; }
  }
  function saveDone(list) { store('berth-done', JSON.stringify(list)); }
  var mark = document.querySelector('.mark-done');
  if (mark) {
    var id = mark.getAttribute('data-lesson');
    var label = mark.textContent;
    var show = function () {
      var on = doneSet().indexOf(id) >= 0;
      mark.setAttribute('aria-pressed', on ? 'true' : 'false');
      mark.textContent = on ? '✓ ' + (T.tDone || 'Done') : label;
    };
    mark.hidden = false;
    show();
    mark.addEventListener('click', function () {
      var list = doneSet();
      var at = list.indexOf(id);
      if (at >= 0) list.splice(at, 1); else list.push(id);
      saveDone(list);
      show();
      markSidebar();
    });
  }
  function markSidebar() {
    var list = doneSet();
    Array.prototype.forEach.call(document.querySelectorAll('[data-lesson]'), function (el) {
      el.classList.toggle('done', list.indexOf(el.getAttribute('data-lesson')) >= 0);
    });
  }
  markSidebar();
  var progress = document.querySelector('.progress');
  if (progress) {
    var cards = document.querySelectorAll('.lesson-card');
    var list = doneSet(), n = 0;
    Array.prototype.forEach.call(cards, function (c) {
      if (list.indexOf(c.getAttribute('data-lesson')) >= 0 || c.classList.contains('passed')) n++;
    });
    Array.prototype.forEach.call(document.querySelectorAll('.lesson-status'), function (s) {
      if (list.indexOf(s.getAttribute('data-lesson')) >= 0) s.textContent = '✓ ' + (T.tDone || 'Done');
    });
    progress.querySelector('.progress-count').textContent = String(n);
    var bar = progress.querySelector('.progress-bar');
    bar.setAttribute('aria-valuenow', String(n));
    bar.querySelector('span').style.width = (cards.length ? (100 * n / cards.length) : 0) + '%';
    progress.hidden = false;
  }

  /* On paper every hint and solution is open. */
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.hidden = false; d.open = true; });
  });

  /* The language switch keeps a search query. */
  var sw = document.querySelector('.lang-switch');
  if (sw && location.search && body.classList.contains('page-search')) sw.href += location.search;
})();

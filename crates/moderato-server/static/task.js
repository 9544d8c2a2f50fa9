// Keyboard shortcuts of a console task page, served by the binary at /ui/static/task.js (see
// src/ui/assets.rs). A file, not an inline <script>, so that the Content-Security-Policy can refuse
// inline scripts (script-src 'self').
//
// The page lists the shortcuts. A decision choice carries its key in `data-key` (u uphold,
// o overturn, 1-9 the rungs of the ladder, x remove); r and d focus the reason and the dissent
// note; n takes the next task of the queue. They stay off while typing in a field, but work after
// a shortcut has focused a radio button.
(function () {
  'use strict';
  document.addEventListener('keydown', function (event) {
    var target = event.target || {};
    var tag = (target.tagName || '').toLowerCase();
    var type = (target.type || '').toLowerCase();
    var typing = tag === 'textarea' || tag === 'select' || target.isContentEditable ||
      (tag === 'input' && type !== 'radio' && type !== 'checkbox');
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === 'n') {
      var next = document.getElementById('next');
      if (next) { next.submit(); }
      return;
    }
    if (key === 'r' || key === 'd') {
      event.preventDefault();
      var field = document.getElementById(key === 'r' ? 'reason' : 'dissent');
      if (field) { field.focus(); }
      return;
    }
    var choices = document.querySelectorAll('input[name=choice][data-key]');
    for (var i = 0; i < choices.length; i++) {
      if (choices[i].getAttribute('data-key') === key) {
        choices[i].checked = true;
        choices[i].focus();
        return;
      }
    }
  });
}());

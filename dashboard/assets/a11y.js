// Accessibility repairs of Dash 4's controls, applied to the DOM as Dash renders it (Dash has no props for them):
// - <html lang> follows the page's language (the server sets it for ?lang; a language switch keeps it in step);
// - a dropdown is reached by Tab on its button, not on Dash's aria-hidden focus proxy (aria-hidden-focus);
// - a dropdown's name starts with its visible label and reads the values as shown (label-content-name-mismatch);
// - radio items and checklists are a named radiogroup/group of native inputs, not a listbox of options that
//   hold inputs (nested-interactive, aria-input-field-name);
// - a slider's thumb and its number box carry the slider's label;
// - a region that scrolls can be focused, so keyboard users can scroll it;
// - a chart is a figure named by its drawn title and described by its summary and caption;
// - the skip link focuses the main content.
(function () {
  'use strict';
  const LANGS = {en: 'en', zh: 'zh-Hans'};
  let seq = 0;

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  function labelOf(control) {
    // The <label for=id> bound to a control, given an id so that aria-labelledby can point at it.
    if (!control.id) { return null; }
    const label = document.querySelector('label[for="' + CSS.escape(control.id) + '"]');
    if (label && !label.id) { label.id = 'wic-label-' + (++seq); }
    return label;
  }

  function groupName(control) {
    // A control without a <label for>: the aria-label of the group around it.
    const group = control.closest('[role=group][aria-label]');
    return group ? group.getAttribute('aria-label') : null;
  }

  function fixLang() {
    const page = document.querySelector('.page[data-lang]');
    const lang = page && LANGS[page.getAttribute('data-lang')];
    if (lang) { set(document.documentElement, 'lang', lang); }
  }

  function fixDropdowns() {
    document.querySelectorAll('.dash-dropdown-focus-target').forEach(function (proxy) {
      if (proxy.tabIndex !== -1) { proxy.tabIndex = -1; }
    });
    document.querySelectorAll('button.dash-dropdown').forEach(function (button) {
      if (!button.disabled && button.tabIndex !== 0) { button.tabIndex = 0; }
      const label = labelOf(button);
      const ids = [label && label.id, button.id + '-value', button.id + '-value-count']
        .filter(function (id) { return id && document.getElementById(id); });
      if (ids.length) { set(button, 'aria-labelledby', ids.join(' ')); }
    });
  }

  function fixOptionLists() {
    document.querySelectorAll('.dash-radioitems[role=listbox], .dash-checklist[role=listbox]')
      .forEach(function (list) {
        list.setAttribute('role', list.classList.contains('dash-radioitems') ? 'radiogroup' : 'group');
      });
    document.querySelectorAll('.dash-radioitems, .dash-checklist').forEach(function (list) {
      const label = labelOf(list);
      if (label) {
        set(list, 'aria-labelledby', label.id);
      } else if (groupName(list)) {
        set(list, 'aria-label', groupName(list));
      }
      list.querySelectorAll('[role=option]').forEach(function (option) {
        option.removeAttribute('role');
        option.removeAttribute('aria-selected');
      });
    });
  }

  function fixSliders() {
    document.querySelectorAll('.dash-slider-container').forEach(function (slider) {
      const label = labelOf(slider);
      const name = label ? null : groupName(slider);
      slider.querySelectorAll('[role=slider], input.dash-input-container').forEach(function (part) {
        if (label) { set(part, 'aria-labelledby', label.id); } else if (name) { set(part, 'aria-label', name); }
      });
    });
  }

  function scrolls(el) {
    const style = window.getComputedStyle(el);
    const x = /(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
    const y = /(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
    return x || y;
  }

  function fixScrollRegions(doc) {
    doc.querySelectorAll('main div, main table, main pre, main section, .scroll').forEach(function (el) {
      if (el.hasAttribute('tabindex') || el.closest('.dash-graph, .dash-dropdown-content, [aria-hidden="true"]') ||
          !scrolls(el)) {
        return;
      }
      if (el.querySelector('a[href], button, input, select, textarea, [tabindex]')) { return; }
      el.tabIndex = 0;
    });
  }

  function drawnTitle(graph) {
    // Plotly draws a wrapped title as one <tspan class="line"> per line.
    const title = graph.querySelector('.gtitle');
    if (!title) { return ''; }
    const lines = title.querySelectorAll('tspan.line');
    return lines.length ? Array.from(lines, function (l) { return l.textContent; }).join(' ') : title.textContent;
  }

  function headingBefore(graph) {
    // A chart without a drawn title is named by the heading it sits under.
    let found = '';
    document.querySelectorAll('main h1, main h2, main h3').forEach(function (h) {
      if (h.compareDocumentPosition(graph) & Node.DOCUMENT_POSITION_FOLLOWING) { found = h.textContent; }
    });
    return found;
  }

  function fixCharts() {
    // A chart is a figure named by the title Plotly draws and described by its block's summary and caption.
    document.querySelectorAll('.dash-graph').forEach(function (graph) {
      set(graph, 'role', 'figure');
      const name = (drawnTitle(graph) || headingBefore(graph)).replace(/\s+/g, ' ').trim();
      if (name) { set(graph, 'aria-label', name); }
      const block = graph.closest('.chart-block, section');
      if (!block) { return; }
      const ids = [];
      block.querySelectorAll(':scope > .summary, :scope > .caption').forEach(function (p) {
        if (!p.id) { p.id = 'wic-desc-' + (++seq); }
        if (p.textContent.trim()) { ids.push(p.id); }
      });
      if (ids.length) { set(graph, 'aria-describedby', ids.join(' ')); }
    });
  }

  function fixFrames() {
    // Same-origin frames (the brief) get the scroll fix too, once they have loaded.
    document.querySelectorAll('iframe').forEach(function (frame) {
      let doc = null;
      try { doc = frame.contentDocument; } catch (e) { doc = null; }
      if (doc && doc.readyState === 'complete' && doc.body) { fixScrollRegions(doc); }
      if (!frame.dataset.wicA11y) {
        frame.dataset.wicA11y = '1';
        frame.addEventListener('load', schedule);
      }
    });
  }

  function apply() {
    pending = false;
    fixLang();
    fixDropdowns();
    fixOptionLists();
    fixSliders();
    fixCharts();
    fixScrollRegions(document);
    fixFrames();
  }

  let pending = false;
  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(apply); }
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['tabindex', 'role', 'aria-labelledby', 'data-lang', 'open'],
  });
  window.addEventListener('resize', schedule);
  // "Skip to content" moves the focus to the page's main content without a navigation (the URL keeps its state).
  document.addEventListener('click', function (event) {
    const link = event.target.closest && event.target.closest('a.skip-link');
    const main = link && document.getElementById('main');
    if (!main) { return; }
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  });
  schedule();
})();
